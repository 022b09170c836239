"""Service activities 服务活动 and the resident roster 居民花名册: households and their members (personal
data, masked by default, every unmasked read audit-logged), Excel import, targeted lists (aged 90+,
elderly living alone in flood-prone grids) with audited exports, and activities (lectures, youth
events, free clinics, festival visits) with sign-ups and a record of who was served.
See README.md in this folder."""

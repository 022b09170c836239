"""Facilities 设施: the register of what projects built and what the community keeps in service
(fitness points, drainage stations and their pumps, toilets, charging sheds, parking lots…), their
condition and history, and maintenance plans that create tasks and, when a task is missed, a demand.
See README.md in this folder."""

"""Copy the front-end files minsheng serves from the npm packages installed in frontend/node_modules
into minsheng/static/vendor/ (git-ignored). Run by `make install` after `npm ci`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "frontend" / "node_modules"
DEST = ROOT / "minsheng" / "static" / "vendor"

# package-relative source → file name under static/vendor/
FILES = {
    "htmx.org/dist/htmx.min.js": "htmx.min.js",
    "echarts/dist/echarts.min.js": "echarts.min.js",
    "leaflet/dist/leaflet.js": "leaflet/leaflet.js",
    # Source maps travel with their scripts: the hashed-name static storage follows sourceMappingURL.
    "leaflet/dist/leaflet.js.map": "leaflet/leaflet.js.map",
    "leaflet/dist/leaflet.css": "leaflet/leaflet.css",
    "leaflet/dist/images": "leaflet/images",  # every image leaflet.css refers to
    "leaflet.markercluster/dist/leaflet.markercluster.js": "leaflet/leaflet.markercluster.js",
    "leaflet.markercluster/dist/leaflet.markercluster.js.map": "leaflet/leaflet.markercluster.js.map",
    "leaflet.markercluster/dist/MarkerCluster.css": "leaflet/MarkerCluster.css",
    "leaflet.markercluster/dist/MarkerCluster.Default.css": "leaflet/MarkerCluster.Default.css",
}


def main() -> int:
    missing = [src for src in FILES if not (MODULES / src).exists()]
    if missing:
        print(f"vendor: missing {missing}; run `npm ci --prefix frontend` first", file=sys.stderr)
        return 1
    DEST.mkdir(parents=True, exist_ok=True)
    for src, name in FILES.items():
        target = DEST / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (MODULES / src).is_dir():
            shutil.copytree(MODULES / src, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(MODULES / src, target)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Build the ZIP of the QGIS plugin for "Plugins ▸ Manage and Install Plugins ▸ Install from ZIP".
# Usage: scripts/build_qgis_plugin.sh [OUTPUT_DIR]   (default: dist/)
# The ZIP holds the folder parakou_geo_qgis/ (no caches), with fixed timestamps so the same
# sources always give the same file. Prints the path of the ZIP.
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${1:-dist}"
mkdir -p "$out_dir"
version="$(sed -n 's/^version=//p' qgis_plugin/parakou_geo_qgis/metadata.txt)"
zip_path="$out_dir/parakou_geo_qgis-$version.zip"
python3 - "$zip_path" <<'PY'
import sys
import zipfile
from pathlib import Path

src = Path("qgis_plugin")
files = sorted(p for p in (src / "parakou_geo_qgis").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
tmp = Path(sys.argv[1] + ".part")
with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
    for p in files:
        info = zipfile.ZipInfo(str(p.relative_to(src)), date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, p.read_bytes())
tmp.replace(sys.argv[1])
PY
echo "$zip_path"

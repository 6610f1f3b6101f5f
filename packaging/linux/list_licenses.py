"""List the Python distributions in an environment with version, licence and home page: the .deb's
/usr/share/doc/hearth/python-packages.txt (THIRD_PARTY_NOTICES names the licences' terms).

    python list_licenses.py SITE_PACKAGES
"""

from __future__ import annotations

import sys
from importlib.metadata import PathDistribution
from pathlib import Path


def licence(meta) -> str:
    expression = meta.get("License-Expression")
    if expression:
        return expression
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    text = (meta.get("License") or "").strip().splitlines()
    short = text[0][:60] if text and len(text[0]) < 60 else ""
    return short or "; ".join(classifiers) or "see its licence files"


def home(meta) -> str:
    if meta.get("Home-page"):
        return meta["Home-page"]
    urls = [u.split(",", 1)[1].strip() for u in meta.get_all("Project-URL") or [] if "," in u]
    return urls[0] if urls else ""


def main(argv: list[str]) -> int:
    site = Path(argv[0])
    rows = []
    for info in sorted(site.glob("*.dist-info"), key=lambda p: p.name.lower()):
        meta = PathDistribution(info).metadata
        rows.append((meta["Name"], meta["Version"], licence(meta), home(meta)))
    print("# Python distributions inside /opt/hearth (name, version, licence, home page). Their licence")
    print("# texts are in each one's *.dist-info folder under /opt/hearth/lib/python3.11/site-packages.")
    width = max(len(r[0]) for r in rows)
    for name, version, lic, url in rows:
        print(f"{name:<{width}}  {version:<12}  {lic:<40}  {url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Checks publiccode.yml against the mandatory keys of the publiccode.yml standard 0.4 (no validator package for it
is available here): `python scripts/check_publiccode.py [publiccode.yml]`. Exit 1 with one line per problem.

Besides the standard: a German and an English description, and the licence of pyproject.toml.
"""

import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOFTWARE_TYPES = {
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
}
DEVELOPMENT_STATUS = {"concept", "development", "beta", "stable", "obsolete"}
MAINTENANCE_TYPES = {"internal", "contract", "community", "none"}
PLATFORMS = {"web", "windows", "mac", "linux", "ios", "android"}


def check(data: dict) -> tuple[list[str], list[str]]:
    problems, notes = [], []

    def need(path: str, kind: type):
        value = data
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                problems.append(f"{path}: Pflichtfeld fehlt")
                return None
            value = value[part]
        if not isinstance(value, kind) or (kind is not bool and not value):
            problems.append(f"{path}: muss ein nicht leeres {kind.__name__} sein")
            return None
        return value

    version = need("publiccodeYmlVersion", str)
    if version is not None and not version.startswith("0.4"):
        problems.append("publiccodeYmlVersion: erwartet 0.4")
    need("name", str)
    url = need("url", str)
    if url and not re.match(r"^https?://", url):
        problems.append("url: muss eine http(s)-Adresse sein")
    if url and ".invalid" in url:
        notes.append(f"url ist noch ein Platzhalter ({url}): bei der Veröffentlichung setzen")
    for platform in need("platforms", list) or []:
        if platform not in PLATFORMS:
            notes.append(f"platforms: {platform!r} ist keine der üblichen Angaben")
    need("categories", list)
    if need("developmentStatus", str) and data["developmentStatus"] not in DEVELOPMENT_STATUS:
        problems.append(f"developmentStatus: eines von {sorted(DEVELOPMENT_STATUS)}")
    if need("softwareType", str) and data["softwareType"] not in SOFTWARE_TYPES:
        problems.append(f"softwareType: eines von {sorted(SOFTWARE_TYPES)}")
    descriptions = need("description", dict) or {}
    for language in ("de", "en"):
        if language not in descriptions:
            problems.append(f"description.{language}: fehlt (Deutsch und Englisch verlangt)")
    for language, description in descriptions.items():
        for key in ("shortDescription", "longDescription"):
            if not isinstance(description.get(key), str) or not description[key].strip():
                problems.append(f"description.{language}.{key}: Pflichtfeld fehlt")
        if len(description.get("shortDescription") or "") > 150:
            problems.append(f"description.{language}.shortDescription: höchstens 150 Zeichen")
        if not 150 <= len(description.get("longDescription") or "") <= 10000:
            problems.append(f"description.{language}.longDescription: 150 bis 10000 Zeichen")
        if not isinstance(description.get("features"), list) or not description["features"]:
            problems.append(f"description.{language}.features: Pflichtfeld fehlt")
    license_ = need("legal.license", str)
    project_license = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]["text"]
    if license_ and license_ != project_license:
        problems.append(f"legal.license: {license_} statt {project_license} (pyproject.toml)")
    maintenance_type = need("maintenance.type", str)
    if maintenance_type and maintenance_type not in MAINTENANCE_TYPES:
        problems.append(f"maintenance.type: eines von {sorted(MAINTENANCE_TYPES)}")
    if maintenance_type in ("internal", "contract"):
        contacts = need("maintenance.contacts", list) or []
        if any(not isinstance(contact, dict) or not contact.get("name") for contact in contacts):
            problems.append("maintenance.contacts: jeder Kontakt braucht name")
    if maintenance_type == "contract":
        need("maintenance.contractors", list)
    need("localisation.localisationReady", bool)
    need("localisation.availableLanguages", list)
    return problems, notes


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    problems, notes = check(data)
    for note in notes:
        print(f"Hinweis: {note}")
    for problem in problems:
        print(f"Fehler: {problem}")
    print(f"publiccode.yml: {len(problems)} Fehler")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "publiccode.yml")))

"""publiccode.yml holds what the Standard for Public Code's publiccode.yml v0.4 requires.

No validator package is at hand, so the required keys, the allowed values and
the length limits of the standard are checked here.
"""

import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

DEVELOPMENT_STATUSES = {"concept", "development", "beta", "stable", "obsolete"}
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
MAINTENANCE_TYPES = {"internal", "contract", "community", "none"}
CATEGORIES = {
    "accounting",
    "agile-project-management",
    "applicant-tracking",
    "application-development",
    "appointment-scheduling",
    "backup",
    "billing-and-invoicing",
    "blog",
    "budgeting",
    "business-intelligence",
    "business-process-management",
    "cad",
    "call-center-management",
    "cloud-management",
    "collaboration-platform",
    "communications",
    "compliance-management",
    "contact-management",
    "content-management",
    "crowdfunding",
    "customer-service-and-support",
    "data-analytics",
    "data-collection",
    "data-visualization",
    "digital-asset-management",
    "document-management",
    "donor-management",
    "e-commerce",
    "e-signature",
    "email-management",
    "email-marketing",
    "employee-management",
    "enterprise-project-management",
    "enterprise-social-networking",
    "erp",
    "event-management",
    "facility-management",
    "feedback-and-reviews-management",
    "financial-reporting",
    "fleet-management",
    "fundraising-management",
    "geographic-information-systems",
    "grant-management",
    "graphic-design",
    "help-desk",
    "hr",
    "ide",
    "identity-management",
    "instant-messaging",
    "inventory-management",
    "it-asset-management",
    "it-development",
    "it-management",
    "it-security",
    "it-service-management",
    "knowledge-management",
    "learning-management-system",
    "marketing",
    "mind-mapping",
    "mobile-marketing",
    "mobile-payment",
    "network-management",
    "office",
    "online-booking",
    "online-community",
    "payment-management",
    "payroll",
    "predictive-analysis",
    "procurement",
    "productivity-suite",
    "project-collaboration",
    "project-management",
    "property-management",
    "real-estate-management",
    "remote-support",
    "resource-management",
    "sales-management",
    "seo",
    "service-desk-software",
    "social-media-management",
    "survey",
    "talent-management",
    "task-management",
    "taxes-management",
    "test-management",
    "time-management",
    "time-tracking",
    "translation",
    "video-conferencing",
    "video-editing",
    "visitor-management",
    "voip",
    "warehouse-management",
    "web-collaboration",
    "web-conferencing",
    "website-builder",
    "whistleblowing",
    "workflow-management",
}
REQUIRED = [
    "publiccodeYmlVersion",
    "name",
    "url",
    "releaseDate",
    "platforms",
    "categories",
    "developmentStatus",
    "softwareType",
    "description",
    "legal",
    "maintenance",
    "localisation",
]
LANGUAGES = ["fi", "sv", "en"]


@pytest.fixture(scope="module")
def publiccode() -> dict:
    return yaml.safe_load((ROOT / "publiccode.yml").read_text(encoding="utf-8"))


def test_every_required_key_is_there(publiccode):
    assert [key for key in REQUIRED if not publiccode.get(key)] == []
    assert publiccode["publiccodeYmlVersion"] == "0.4"


def test_address_date_and_version(publiccode):
    assert publiccode["url"].startswith("https://")
    released = publiccode["releaseDate"]
    released = released if isinstance(released, date) else date.fromisoformat(released)
    assert released <= datetime.now(UTC).date()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert publiccode["softwareVersion"] == project["version"]


def test_classification_uses_the_standards_values(publiccode):
    assert publiccode["developmentStatus"] in DEVELOPMENT_STATUSES
    assert publiccode["softwareType"] in SOFTWARE_TYPES
    assert publiccode["platforms"] == ["web"]
    assert set(publiccode["categories"]) <= CATEGORIES


@pytest.mark.parametrize("language", LANGUAGES)
def test_description_in_each_language(publiccode, language):
    description = publiccode["description"][language]
    assert 0 < len(description["shortDescription"]) <= 150
    assert 150 <= len(description["longDescription"]) <= 10000
    assert description["features"]
    assert all(0 < len(feature) <= 100 for feature in description["features"])


def test_legal_maintenance_and_localisation(publiccode):
    assert publiccode["legal"]["license"] == "EUPL-1.2"
    assert publiccode["legal"]["mainCopyrightOwner"]
    maintenance = publiccode["maintenance"]
    assert maintenance["type"] in MAINTENANCE_TYPES
    if maintenance["type"] in {"internal", "community"}:
        assert all(contact["name"] for contact in maintenance["contacts"])
    assert publiccode["localisation"]["localisationReady"] is True
    assert publiccode["localisation"]["availableLanguages"] == LANGUAGES


def test_open_dependencies_name_their_versions(publiccode):
    dependencies = {d["name"]: d for d in publiccode["dependsOn"]["open"]}
    assert {"PostgreSQL", "Redis", "Meilisearch"} <= set(dependencies)
    for dependency in dependencies.values():
        assert dependency.get("versionMin") or dependency.get("version"), dependency["name"]
    assert dependencies["Meilisearch"]["optional"] is True


def test_the_licence_agrees_with_the_package(publiccode):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == publiccode["legal"]["license"]


def test_the_licence_text_is_in_the_repository(publiccode):
    """The licence the metadata names is the one whose text ships with the code."""
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert publiccode["legal"]["license"] == "EUPL-1.2"
    assert text.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    assert "Appendix" in text and "Compatible Licences" in text

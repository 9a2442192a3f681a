"""The migrated template the test runs start from is made anew when a migration changes."""

from types import SimpleNamespace

from tests import template_db


def test_the_template_changes_with_any_migration_file(monkeypatch, tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_initial.py").write_text("operations = []\n")
    config = SimpleNamespace(label="sample", path=str(tmp_path))
    monkeypatch.setattr(template_db.apps, "get_app_configs", lambda: [config])
    first = template_db.digest()
    assert template_db.digest() == first

    (migrations / "0001_initial.py").write_text("operations = ['changed']\n")
    changed = template_db.digest()
    assert changed != first

    (migrations / "0002_more.py").write_text("operations = []\n")
    assert template_db.digest() not in (first, changed)


def test_the_template_changes_with_the_languages(monkeypatch, settings):
    first = template_db.digest()
    settings.LANGUAGE_CODE = "sv"
    assert template_db.digest() != first

"""The nginx configuration rendered by ``deploy.nginx`` (checked by nginx itself when installed)."""

import shutil
import subprocess

import pytest

from deploy.nginx import main, render_site, render_standalone


def test_rendered_configuration_names_every_daphne_and_the_protected_location(tmp_path):
    site = render_site(
        daphnes=["127.0.0.1:8001", "127.0.0.1:8002"],
        static_root="/srv/oc/static/",
        media_root="/srv/oc/media",
        listen="127.0.0.1:8000",
    )
    assert "server 127.0.0.1:8001 " in site
    assert "server 127.0.0.1:8002 " in site
    assert "alias /srv/oc/static/;" in site
    assert "location /protected/ {\n        internal;\n        alias /srv/oc/media/;" in site
    assert "@" not in site.replace("@ ", "")  # every placeholder filled in
    assert "proxy_set_header Upgrade $http_upgrade;" in site
    assert "X-Forwarded-Proto https;" in site
    with pytest.raises(ValueError, match="start and end with"):
        render_site(daphnes=["x:1"], static_root="/s", media_root="/m", accel_prefix="/p")
    with pytest.raises(ValueError, match="At least one"):
        render_site(daphnes=[], static_root="/s", media_root="/m")


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_rendered_configuration(tmp_path, capsys):
    main(
        [
            "--daphne", "127.0.0.1:8001", "--daphne", "127.0.0.1:8002",
            "--static-root", str(tmp_path / "static"), "--media-root", str(tmp_path / "media"),
            "--prefix", str(tmp_path),
        ]
    )  # fmt: skip
    assert capsys.readouterr().out.strip() == str(tmp_path / "nginx.conf")
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    broken = render_standalone(tmp_path, "server { listen 127.0.0.1:1; bogus; }")
    (tmp_path / "broken.conf").write_text(broken)
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "broken.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0

"""A site version per release (mike): plans refused or made, and deploys into a bare repository."""

from __future__ import annotations

import json
import subprocess

import pytest

from nes2_site import repository, versions


def test_main_publishes_dev_and_opens_it_until_a_release_exists():
    assert versions.plan("branch", "main", [], "0.2.0").default == "dev"
    released = [{"version": "0.1.0", "aliases": ["latest"], "properties": {"tag": "v0.1.0"}}]
    dev = versions.plan("branch", "main", released, "0.2.0")
    assert (dev.version, dev.aliases, dev.default) == ("dev", (), None)


def test_a_release_publishes_its_version_and_moves_latest_only_forward():
    deployed = [
        {"version": "0.1.0", "aliases": [], "properties": {"tag": "v0.1.0"}},
        {"version": "dev", "aliases": []},
    ]
    new = versions.plan("tag", "v0.2.0", deployed, "0.2.0")
    assert (new.version, new.aliases, new.tag, new.default) == (
        "0.2.0",
        ("latest",),
        "v0.2.0",
        "latest",
    )
    deployed.append({"version": "0.10.0", "aliases": ["latest"], "properties": {"tag": "v0.10.0"}})
    old = versions.plan("tag", "v0.2.0", deployed, "0.2.0")  # a late patch of an older line
    assert old.aliases == () and old.default is None


@pytest.mark.parametrize(
    ("ref_type", "ref", "deployed", "message"),
    [
        ("branch", "feature", [], "publishes no version"),
        ("tag", "v0.3.0", [], "is not the package version v0.2.0"),
        ("tag", "v0.2.0", [{"version": "0.2.0", "aliases": []}], "published from no release tag"),
        (
            "tag",
            "v0.2.0",
            [{"version": "0.2.0", "aliases": [], "properties": {"tag": "v0.2.0-rc"}}],
            "only a release of the tag v0.2.0-rc replaces it",
        ),
        ("pull", "1", [], "expected 'branch' or 'tag'"),
    ],
)
def test_a_deployment_that_must_not_happen_is_refused(ref_type, ref, deployed, message):
    with pytest.raises(versions.VersionError, match=message):
        versions.plan(ref_type, ref, deployed, "0.2.0")


def test_a_versioned_build_shows_the_selector_and_lives_in_its_folder():
    config = {"site_url": None, "extra": {}}
    repository.configure(config, {})
    assert config == {"site_url": None, "extra": {}}  # a local build: served at its root
    repository.configure(
        config, {"GITHUB_REPOSITORY": "teacher/fork", "NES2_SITE_VERSION": "0.2.0"}
    )
    assert config["site_url"] == "https://teacher.github.io/fork/0.2.0/"
    assert config["extra"]["version"]["provider"] == "mike"
    with pytest.raises(ValueError, match="https://"):
        repository.site_url({"NES2_SITE_URL": "ftp://example.org"})
    with pytest.raises(ValueError, match="OWNER/NAME"):
        repository.repository({"GITHUB_REPOSITORY": "no-slash"})


def _git(cwd, *args) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.slow
def test_deploys_into_a_bare_repository_keep_each_release_and_replace_dev(tmp_path, capsys):
    remote, work = tmp_path / "site.git", tmp_path / "work"
    _git(tmp_path, "init", "--bare", "-q", str(remote))
    _git(tmp_path, "init", "-q", "-b", "main", str(work))
    for args in (("config", "user.email", "ci@example.org"), ("config", "user.name", "CI")):
        _git(work, *args)
    (work / "docs").mkdir()
    (work / "docs" / "index.md").write_text("# Kurz\n")
    (work / "mkdocs.yml").write_text("site_name: kurz\n")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "site")
    _git(work, "remote", "add", "origin", str(remote))
    config = ["--config-file", str(work / "mkdocs.yml"), "--push", "--version", "0.2.0"]

    def deploy(ref_type, ref) -> int:
        return versions.main(["deploy", "--ref-type", ref_type, "--ref", ref, *config])

    assert deploy("branch", "main") == 0
    assert deploy("tag", "v0.2.0") == 0
    assert deploy("branch", "main") == 0  # dev again
    assert deploy("tag", "v0.2.0") == 0  # the release run again
    assert deploy("tag", "v0.3.0") == 1  # not the package version: nothing published
    assert "is not the package version" in capsys.readouterr().err
    listing = json.loads(_git(remote, "show", "gh-pages:versions.json"))
    found = {v["version"]: (v["aliases"], v.get("properties")) for v in listing}
    assert found == {"0.2.0": (["latest"], {"tag": "v0.2.0"}), "dev": ([], None)}
    files = _git(remote, "ls-tree", "-r", "--name-only", "gh-pages").split()
    assert {"0.2.0/index.html", "dev/index.html", "latest", "index.html"} <= set(
        files
    )  # latest: a link
    assert "latest/" in _git(remote, "show", "gh-pages:index.html")  # the root opens latest
    history = _git(remote, "log", "--format=%s", "gh-pages").splitlines()
    assert len(history) == 6  # dev, 0.2.0 + default, dev, 0.2.0 again (+ default): nothing else
    (work / "mkdocs.yml").write_text("site_name: [\n")  # mike fails: the job may try again
    assert deploy("branch", "main") == versions.PUSH_FAILED

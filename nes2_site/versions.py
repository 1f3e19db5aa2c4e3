"""A site version per release, published with mike (Material's version selector).

    python -m nes2_site.versions deploy [--ref-type tag --ref v0.2.0] [--push]

A release tag `vX.Y.Z` publishes the version `X.Y.Z` and moves the `latest`
alias to it (unless a newer release is already published); `main` publishes
`dev`. The site's root opens `latest` once a release exists, `dev` before.
Each version's Colab links open its own tag's notebooks (`NES2_COLAB_REF`), and
its notebooks install its own package version.

Refused before anything is published: a branch other than `main`, a tag that
is not the package version, and a version that was published from another
tag (only a release of the same tag replaces it). `dev` is replaced by every
push to `main`. The versions are committed to the `gh-pages` branch; GitHub
Pages serves that branch (Settings → Pages → Deploy from a branch), so no
deployment environment needs a rule for tags.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from nes2_site import ROOT
from nes2_site.check_tag import package_version

DEV = "dev"
LATEST = "latest"
MAIN = "main"
BRANCH = "gh-pages"


PUSH_FAILED = 3
"""The exit status when mike failed (a rendering error, or a push that `gh-pages` moved under:
the deploy job tries again on this status only)."""


class VersionError(Exception):
    """A deployment that must not happen; nothing was published."""


@dataclass(frozen=True)
class Deployment:
    """What one build publishes: a version, its title and aliases, the tag it was built
    from (`None` for `dev`) and the version the site's root opens afterwards (`None`: keep)."""

    version: str
    title: str
    aliases: tuple[str, ...]
    tag: str | None
    default: str | None


def _release(version: str) -> tuple:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def plan(ref_type: str, ref: str, deployed: list[dict], version: str) -> Deployment:
    """What a build of `ref` publishes, given the versions `deployed` (`mike list --json`).

    Args:
        ref_type: `"branch"` or `"tag"` (GitHub's `GITHUB_REF_TYPE`).
        ref: the branch or tag name (`GITHUB_REF_NAME`).
        deployed: the versions on the site, each with `version`, `aliases`, `properties`.
        version: the package version of the checkout.

    Raises:
        VersionError: a branch other than `main`, a tag other than `v{version}`, or a
            version published from another tag.

    Examples:
        >>> plan("branch", "main", [], "0.2.0")
        Deployment(version='dev', title='dev (main)', aliases=(), tag=None, default='dev')
        >>> plan("tag", "v0.2.0", [], "0.2.0").aliases
        ('latest',)
    """
    if ref_type == "branch":
        if ref != MAIN:
            raise VersionError(
                f"The branch {ref} publishes no version: only {MAIN} publishes {DEV!r}, and a "
                "release tag its own version (a pull request's site is kept as an artifact)."
            )
        released = any(LATEST in d.get("aliases", []) for d in deployed)
        return Deployment(DEV, f"{DEV} ({MAIN})", (), None, None if released else DEV)
    if ref_type != "tag":
        raise VersionError(f"GITHUB_REF_TYPE={ref_type!r}: expected 'branch' or 'tag'.")
    if ref != f"v{version}":
        raise VersionError(
            f"The tag {ref} is not the package version v{version}: nothing was published "
            f"(tag the release v{version}, or set __version__ to {ref.removeprefix('v')})."
        )
    for entry in deployed:
        if entry["version"] == version:
            source = (entry.get("properties") or {}).get("tag")
            if source != ref:
                raise VersionError(
                    f"The version {version} is published from {source or 'no release tag'}; "
                    f"only a release of the tag {source or 'v' + version} replaces it. "
                    "Release a new version instead."
                )
    others = [d["version"] for d in deployed if d["version"] not in (DEV, version)]
    newest = all(_release(version) >= _release(other) for other in others)
    aliases = (LATEST,) if newest else ()
    return Deployment(version, version, aliases, ref, LATEST if newest else None)


def _mike(*args: str, config_file: Path, env: dict | None = None, capture: bool = False):
    script = "from mike.driver import main; sys.exit(main())"
    command = [sys.executable, "-c", f"import sys; {script}", *args]
    command += ["--config-file", str(config_file)]
    env = dict(env or os.environ)  # mike runs `mkdocs` from PATH: this environment's
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        command, cwd=config_file.parent, check=True, text=True, capture_output=capture, env=env
    )


def deployed(config_file: Path, branch: str = BRANCH) -> list[dict]:
    """The versions on the local `branch` (`[]` if it does not exist yet)."""
    has_branch = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
        cwd=config_file.parent,
        capture_output=True,
        check=False,
    )
    if has_branch.returncode != 0:
        return []
    listing = _mike("list", "--json", "--branch", branch, config_file=config_file, capture=True)
    return json.loads(listing.stdout or "[]")


def deploy(
    deployment: Deployment,
    config_file: Path,
    branch: str = BRANCH,
    remote: str = "origin",
    push: bool = False,
) -> None:
    """Build the site as `deployment.version` and commit it to `branch` (and push it)."""
    env = {
        **os.environ,
        "NES2_SITE_VERSION": deployment.version,
        "NES2_COLAB_REF": deployment.tag or MAIN,
    }
    git = ["--branch", branch, "--remote", remote, *(["--push"] if push else [])]
    tag = ["--prop-set-string", f"tag={deployment.tag}"] if deployment.tag else []
    _mike(
        "deploy", *git, "--update-aliases", "--title", deployment.title, *tag,
        deployment.version, *deployment.aliases, config_file=config_file, env=env,
    )  # fmt: skip
    if deployment.default:
        _mike("set-default", *git, deployment.default, config_file=config_file, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nes2_site.versions")
    parser.add_argument("command", choices=["deploy", "plan"])
    parser.add_argument("--ref-type", default=os.environ.get("GITHUB_REF_TYPE", "branch"))
    parser.add_argument("--ref", default=os.environ.get("GITHUB_REF_NAME", MAIN))
    parser.add_argument("--config-file", type=Path, default=ROOT / "mkdocs.yml")
    parser.add_argument("--branch", default=BRANCH)
    parser.add_argument("--remote", default="origin")
    parser.add_argument("--push", action="store_true")
    parser.add_argument("--version", default=None, help="default: the package version")
    args = parser.parse_args(argv)
    config_file = args.config_file.resolve()
    try:
        deployment = plan(
            args.ref_type,
            args.ref,
            deployed(config_file, args.branch),
            args.version or package_version(),
        )
        aliases = f" (aliases: {', '.join(deployment.aliases)})" if deployment.aliases else ""
        print(f"{args.ref}: version {deployment.version}{aliases}")
        if args.command == "deploy":
            deploy(deployment, config_file, args.branch, args.remote, args.push)
    except VersionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(
            f"error: mike failed ({error.returncode}): {' '.join(error.cmd[3:])}", file=sys.stderr
        )
        return PUSH_FAILED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

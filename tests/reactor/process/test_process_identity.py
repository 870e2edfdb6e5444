"""uid and gid: the fork/exec way of starting a child (root only for a real switch)."""

from __future__ import annotations

import os

import pytest
from _processhelpers import Recorder, python

from deferred import Deferred
from reactor import Reactor

pytestmark = pytest.mark.reactor("all")

_IDENTITY = "import os; print(os.getuid(), os.geteuid(), os.getgid(), sorted(os.getgroups()))"

# For another user: /bin/sh and id(1), which that user can surely execute (this interpreter may
# live in a directory only its owner can enter).
_SHELL_IDENTITY = ["sh", "-c", "echo $(id -u) $(id -g) $(id -G)"]

needsRoot = pytest.mark.skipif(os.geteuid() != 0, reason="only root can switch uid and gid")


def test_own_uid_and_gid_start_the_child_the_fork_way(reactor: Reactor) -> Deferred[None]:
    # Any user may "switch" to itself: this exercises the fork/exec path without root.
    p = Recorder()
    uid, gid = os.getuid(), os.getgid()
    reactor.spawnProcess(p, python("")[0], python(_IDENTITY), uid=uid, gid=gid)

    def check(_: object) -> None:
        fields = p.out().decode().split(maxsplit=3)
        assert fields[:3] == [str(uid), str(uid), str(gid)]

    return p.ended.addCallback(check)


@needsRoot
def test_root_switches_the_child_to_another_user_and_group(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, "/bin/sh", _SHELL_IDENTITY, uid=65534, gid=65534, path="/")

    def check(_: object) -> None:
        uid, gid, *groups = p.out().decode().split()
        assert (uid, gid) == ("65534", "65534")
        # Not root's supplementary groups: the child gets the new user's own.
        assert "0" not in groups

    return p.ended.addCallback(check)


@needsRoot
def test_root_switching_only_the_group_keeps_the_user(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, "/bin/sh", _SHELL_IDENTITY, gid=65534, path="/")

    def check(_: object) -> None:
        uid, gid, *_ = p.out().decode().split()
        assert (uid, gid) == ("0", "65534")

    return p.ended.addCallback(check)

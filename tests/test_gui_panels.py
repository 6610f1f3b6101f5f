"""The side panels read the dialogue's world snapshot generically, and the follow-up window closes
by itself in a quiet room (hands-free must not listen forever)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("pytestqt")

from app.gui.panels import SidePanels  # noqa: E402
from app.gui.world import countdowns, describe, devices_by_room, fmt_left  # noqa: E402


def test_countdowns_read_due_times_or_remaining_seconds():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    snap = {"timers": [{"id": 1, "seconds": 600, "remaining_s": 90}],
            "alarms": [{"id": 2, "label": "wake up", "due": (now + timedelta(hours=2)).isoformat()}]}
    items = countdowns(snap, now)
    assert [(i["kind"], i["due"] - now) for i in items] == [("timer", timedelta(seconds=90)),
                                                            ("alarm", timedelta(hours=2))]
    assert fmt_left(90) == "1:30" and fmt_left(3725) == "1:02:05" and fmt_left(-5) == "0:00"


def test_devices_group_by_room_from_a_list_or_a_mapping():
    listed = {"devices": [{"id": "light.k", "kind": "light", "room": "kitchen", "name": "k",
                           "state": {"on": False, "brightness": 50}}]}
    mapped = {"rooms": {"kitchen": {"k": {"kind": "light", "state": {"on": False}}}}}
    assert list(devices_by_room(listed)) == ["kitchen"] == list(devices_by_room(mapped))
    assert describe({"state": {"on": True, "brightness": 40, "color": "red"}}) == "on · 40% · red"
    assert describe({"state": {"status": "cleaning", "cleaning_room": "kitchen"}}) == "cleaning · kitchen"


def test_home_panel_follows_the_real_dialogue_world(qtbot):
    from app.dialogue import DialogueManager

    dm = DialogueManager()
    panels = SidePanels()
    qtbot.addWidget(panels)
    panels.set_snapshot(dm.world_snapshot())
    kitchen = next(d for d in dm.world.devices.values() if d.kind == "light" and d.room == "kitchen")
    before = panels.home.rows[kitchen.id].text()
    dm.world.set(kitchen, on=True, brightness=30, color="blue")
    panels.set_snapshot(dm.world_snapshot())
    after = panels.home.rows[kitchen.id].text()
    assert after != before and "30%" in after and "blue" in after
    dm.close()



def test_a_paused_timer_shows_its_stopped_clock(qtbot, tmp_path):
    """The panel's row for a paused timer says so and does not count down (the dialogue's own snapshot)."""
    from app.dialogue import DialogueManager

    dm = DialogueManager(tmp_path / "hearth.db")
    dm.store.pause_alarm(dm.store.add_alarm("timer", datetime.now(timezone.utc) + timedelta(minutes=5), 300), 125)
    panels = SidePanels()
    qtbot.addWidget(panels)
    panels.set_snapshot(dm.world_snapshot())
    (row,) = panels.timers.rows.values()
    row.tick(datetime.now(timezone.utc) + timedelta(minutes=1))
    assert "paused" in row.label.text() and "2:05" in row.label.text()

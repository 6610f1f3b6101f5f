"""play_music / play_radio / play_podcasts / play_audiobook / music_* on the local library in
world.toml. Playback is simulated: a now-playing record the GUI shows, no audio."""

from __future__ import annotations

import re

from .. import speech_text as say
from ..slots import digits
from .base import Reply, Turn, skill

NOW = "now_playing"
LIKES = "music_likes"
DISLIKES = "music_dislikes"


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower())) - {"the", "a", "an", "of", "by", "some", "music", "song", "songs"}


def _matches(query: str, *fields: str) -> bool:
    q = _words(query)
    return bool(q) and any(q <= _words(f) or _words(f) <= q for f in fields if _words(f))


def now_playing(t: Turn) -> dict | None:
    return t.store.get(NOW)


def start(t: Turn, item: dict, spoken: str) -> Reply:
    item = {**item, "paused": False, "started": t.now.isoformat()}
    t.store.put(NOW, item)
    text = t.pick("Playing {}.", "Here's {}.", "Okay, {} on the speaker.")
    return t.reply(text.format(spoken), [{"player": "play", "item": item}])


def stop(t: Turn) -> list[dict]:
    """Stop playback (general_commandstop uses this too); returns the actions, empty if nothing played."""
    if now_playing(t) is None:
        return []
    t.store.delete(NOW)
    return [{"player": "stop"}]


def _song(t: Turn, song: str, artist: dict) -> Reply:
    return start(t, {"kind": "music", "title": song, "by": artist["artist"], "genre": artist["genre"]},
                 f"{song} by {artist['artist']}")


@skill("play_music", accepts=("artist_name", "song_name", "music_genre", "playlist_name", "music_album",
                              "music_descriptor"), does="play music")
def play_music(t: Turn) -> Reply:
    library = t.world.music
    if song := t.slots.text("song_name"):
        for artist in library:
            hit = next((s for s in artist["songs"] if _matches(song, s)), None)
            if hit:
                return _song(t, hit, artist)
    wanted = t.slots.text("artist_name", "music_genre", "music_album", "playlist_name", "song_name")
    if wanted:
        artist = next((a for a in library if _matches(wanted, a["artist"], a["genre"])), None)
        if artist is None:
            genres = say.join(sorted({a["genre"] for a in library}), "or")
            return t.reply(f"{wanted.title()} isn't in the local library. I can play {genres}.")
        return _song(t, artist["songs"][t.session.turn % len(artist["songs"])], artist)
    current = now_playing(t)
    if current and current.get("paused"):
        current["paused"] = False
        t.store.put(NOW, current)
        return t.reply("Resuming.", [{"player": "resume"}])
    liked = [a for a in library if a["genre"] in t.store.get(LIKES, []) or a["artist"] in t.store.get(LIKES, [])]
    artist = (liked or library)[t.session.turn % len(liked or library)]
    return _song(t, artist["songs"][0], artist)


@skill("play_radio", accepts=("radio_name", "music_genre", "app_name"), does="play the radio")
def play_radio(t: Turn) -> Reply:
    stations = t.world.radio
    wanted = t.slots.text("radio_name", "music_genre")
    if wanted:
        number = re.search(r"\d+(?:\.\d+)?", digits(wanted))
        station = next((s for s in stations if _matches(wanted, s["name"], s["genre"])
                        or (number and number[0] == s["frequency"])), None)
        if station is None:
            names = say.join([s["name"] for s in stations], "or")
            return t.reply(f"I don't have {wanted} among the local stations. I could play {names}.")
    else:
        station = stations[0]
    spoken = f"{station['name']}, {say.number(float(station['frequency']))}"
    return start(t, {"kind": "radio", "title": station["name"], "genre": station["genre"]}, spoken)


@skill("play_podcasts", accepts=("podcast_name", "podcast_descriptor"), does="play a podcast")
def play_podcasts(t: Turn) -> Reply:
    shows = t.world.podcasts
    current = now_playing(t)
    if re.search(r"\bnext\b", t.text) and current and current.get("kind") == "podcast":
        show = next(s for s in shows if s["name"] == current["by"])
        index = (show["episodes"].index(current["title"]) + 1) % len(show["episodes"])
    elif wanted := t.slots.text("podcast_name"):
        show = next((s for s in shows if _matches(wanted, s["name"])), None)
        if show is None:
            return t.reply(f"{wanted.title()} isn't among my downloaded podcasts: "
                           f"{say.join([s['name'] for s in shows], 'and')}.")
        index = len(show["episodes"]) - 1
    else:
        show, index = shows[0], len(shows[0]["episodes"]) - 1
    episode = show["episodes"][index]
    return start(t, {"kind": "podcast", "title": episode, "by": show["name"]}, f"{show['name']}: {episode}")


@skill("play_audiobook", accepts=("audiobook_name", "audiobook_author"), does="play an audiobook")
def play_audiobook(t: Turn) -> Reply:
    books = t.world.audiobooks
    wanted = t.slots.text("audiobook_name", "audiobook_author")
    book = next((b for b in books if _matches(wanted, b["title"], b["author"])), None) if wanted else None
    if wanted and book is None:
        return t.reply(f"{wanted.title()} isn't in the local audiobook shelf: {say.join([b['title'] for b in books])}.")
    book = book or books[0]
    chapter = t.store.get(f"audiobook:{book['title']}", 1)
    where = "from the start" if chapter == 1 else f"at chapter {say.number(chapter)}"
    return start(t, {"kind": "audiobook", "title": book["title"], "by": book["author"], "chapter": chapter},
                 f"{book['title']} by {book['author']}, {where}")


@skill("music_query", accepts=("artist_name", "song_name", "music_genre"), does="tell you what's playing")
def music_query(t: Turn) -> Reply:
    if re.search(r"\b(like|enjoy|love|favou?rite)\b", t.text):
        likes = t.store.get(LIKES, [])
        return t.reply(f"You told me you like {say.join(likes)}." if likes else "You haven't told me what you like yet.")
    current = now_playing(t)
    if current is None:
        return t.reply("Nothing is playing right now.")
    by = f" by {current['by']}" if current.get("by") else ""
    genre = f", {current['genre']}" if current.get("genre") else ""
    return t.reply(f"This is {current['title']}{by}{genre}, from the local library.")


def _subject(t: Turn) -> str | None:
    named = t.slots.text("artist_name", "music_genre", "song_name", "radio_name", "app_name")
    current = now_playing(t)
    return named or (current and (current.get("by") or current["title"]))


@skill("music_likeness", accepts=("artist_name", "music_genre", "song_name"), does="remember music you like")
def music_likeness(t: Turn) -> Reply:
    subject = _subject(t)
    if subject is None:
        return t.ask(("artist_name", "music_genre", "song_name"), "What music do you like?")
    likes = [x for x in t.store.get(LIKES, []) if x != subject] + [subject]
    t.store.put(LIKES, likes)
    return t.reply(t.pick("Noted: you like {}.", "I'll remember you like {}.").format(subject), [{"likes": subject}])


@skill("music_dislikeness", accepts=("artist_name", "music_genre", "song_name"), does="remember music you dislike")
def music_dislikeness(t: Turn) -> Reply:
    subject = _subject(t)
    if subject is None:
        return t.reply("Which music don't you like?")
    t.store.put(DISLIKES, [x for x in t.store.get(DISLIKES, []) if x != subject] + [subject])
    t.store.put(LIKES, [x for x in t.store.get(LIKES, []) if x != subject])
    return t.reply(f"Okay, I'll remember you don't like {subject}.", [{"dislikes": subject}])


@skill("music_settings", accepts=("player_setting", "playlist_name", "song_name"), does="change the player settings")
def music_settings(t: Turn) -> Reply:
    current = now_playing(t)
    if playlist := t.slots.text("playlist_name"):
        if current is None:
            return t.reply("Nothing is playing, so there's no song to add.")
        name = playlist.removesuffix(" playlist")
        t.store.put(f"playlist:{name}", t.store.get(f"playlist:{name}", []) + [current["title"]])
        return t.reply(f"Added {current['title']} to your {name} playlist.", [{"playlist": name, "add": current["title"]}])
    setting = (t.slots.text("player_setting") or t.text)
    mode = next((m for m in ("shuffle", "repeat") if m in setting), None)
    if mode is None:
        return t.reply("I can turn shuffle or repeat on and off.")
    on = not re.search(r"\b(off|stop|disable|no)\b", t.text)
    settings = {**t.store.get("player_settings", {}), mode: on}
    t.store.put("player_settings", settings)
    return t.reply(f"{mode.capitalize()} is {'on' if on else 'off'}.", [{"player": "settings", "set": {mode: on}}])

"""play_music / play_radio / play_podcasts / play_audiobook / music_* on the local library in
world.toml. Playback is simulated: a now-playing record the GUI shows, no audio."""

from __future__ import annotations

import re

from app.nlu.types import Understanding

from .. import speech_text as say
from ..slots import digits
from ..state import Store
from ..world import World
from .base import Reply, Turn, skill

NOW = "now_playing"
STOPPED = "player:stopped"  # what played last, so "resume" after "stop" continues it
LIKES = "music_likes"
DISLIKES = "music_dislikes"
# Transport commands are short and made of few words, which HWU64 scatters over six intents ("skip" ->
# play_podcasts, "kill the music" -> play_music, "resume" -> play_audiobook): the words decide. An utterance
# is one when, without these media nouns and fillers, what is left is one of the commands below.
MEDIA_NOUNS = {"music", "song", "songs", "track", "tune", "episode", "chapter", "station", "podcast", "audiobook",
               "book", "radio", "playback", "playing", "audio"}
FILLER = {"the", "this", "that", "a", "to", "it", "please", "hearth", "ok", "okay", "now", "hey", "play", "just",
          "one", "is", "current", "again"}
PLAY = re.compile(r"^\W*(?:(?:hey|ok|okay|hearth|please|can you|could you|will you)\W+)*(?:play|put on|listen to)\b")
TRANSPORT_WORDS = {
    "media_stop": {"stop", "kill", "cut", "end", "enough", "silence", "shut up", "turn off", "switch off",
                   "no more", "turn of", "switch of"},
    "media_pause": {"pause", "hold"},
    "media_resume": {"resume", "continue", "unpause", "un pause", "carry on", "keep going", "keep"},
    "media_next": {"skip", "next", "skip next", "skip ahead", "skip forward", "forward", "go forward", "move forward"},
    "media_previous": {"previous", "back", "go back", "skip back", "last", "go back previous", "go previous"},
}
TRANSPORT = tuple(TRANSPORT_WORDS)
# Words that ask for a mood rather than a genre ("something relaxing"): each artist in world.toml has a mood.
MOODS = {
    "calm": {"relaxing", "relax", "relaxed", "calm", "calming", "chill", "chilled", "mellow", "soothing", "peaceful",
             "quiet", "gentle", "slow", "sleep", "sleepy", "studying", "focus", "background", "dinner", "easy"},
    "upbeat": {"upbeat", "happy", "energetic", "energy", "party", "dance", "dancing", "workout", "cheerful", "fun",
               "lively", "fast", "loud", "exciting", "uplifting", "pump", "groovy"},
}
# Commands that say they are about media without a noun; "stop" or "turn it off" alone may mean a timer or a light.
MEDIA_ONLY = {"pause", "unpause", "un pause", "resume", "continue", "skip", "next", "previous", "go back", "shut up",
              "enough", "carry on", "skip next", "skip ahead", "skip forward", "skip back", "go forward", "move forward"}


def _spelled(text: str) -> list[str]:
    """The words of a title or a request as said, whatever the punctuation: "The Clockmaker's Daughter" and "the
    clockmakers daughter" (a recognizer writes no apostrophes) are the same words."""
    return re.findall(r"[a-z0-9]+", re.sub(r"['\u2019\u2018`]", "", text.lower()))


def _words(text: str) -> set[str]:
    return set(_spelled(text)) - {"the", "a", "an", "of", "by", "some", "music", "song", "songs"}


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
    return stop_in(t.store)


def stop_in(store: Store) -> list[dict]:
    """`stop` on the store itself: a sleep timer stops the music with no turn (DialogueManager.due_announcements)."""
    current = store.get(NOW)
    if current is None:
        return []
    store.put(STOPPED, current)
    store.delete(NOW)
    return [{"player": "stop"}]


# "what station is this", "which song is playing", "what's this podcast": the model hears a train station
WHAT_PLAYS = re.compile(r"\b(?:what|which)(?:'s| is)? (?:this |that )?(?:station|song|track|tune|podcast|episode|"
                        r"audiobook|book|chapter|album|artist|band|singer)\b(?: (?:is )?(?:this|that|playing|on))?\W*$"
                        r"|\bwhat(?:'s| is) (?:this|that|playing|on)(?: (?:station|song|track|podcast|episode))?\W*$")


# "what music do you have", "what can you play": the model hears a game or what is playing
LIBRARY_QUESTION = re.compile(r"\bwhat (?:kinds? of |sort of )?(?:music|songs|artists|genres|bands)\b.*"
                              r"\b(?:have|got|there|library|play)\b|\bwhat (?:can|could) (?:you|i) (?:play|listen to)\W*$")


def asking_what_plays(u: Understanding, world: World) -> str | None:
    """music_query when the words ask what the library holds, or what plays while something does; one of the rules
    skills/status.py runs before its question rules."""
    text = u.text.lower()
    playing = world.store.get(NOW) is not None
    asks = LIBRARY_QUESTION.search(text) or playing and (WHAT_PLAYS.search(text) or WHAT_NEXT.search(text))
    return "music_query" if asks else None


# "play it again", "start this song again", "restart the song": what plays, from its start
REPLAY = re.compile(r"^\W*(?:(?:please|can you|hearth)\W+)*(?:(?:play|start) (?:it|that|this|the song|this song|"
                    r"the track|this one) (?:again|over|from the (?:start|beginning))"
                    r"|restart (?:it|this|the song|this song|the track))(?: please)?\W*$")
WHAT_NEXT = re.compile(r"^\W*(?:and )?what(?:'s| is| comes) (?:up )?next\b|\bwhat(?:'s| is) after this\b")


def transport(u: Understanding, world: World) -> str | None:
    """media_stop / pause / resume / next / previous when the utterance is only such a command; media_restart for
    "play it again" while something plays (the model hears "repeat what you said"), media_resume after a stop."""
    if REPLAY.match(u.text.lower()):  # after "stop", what was stopped
        if world.store.get(NOW) is not None:
            return "media_restart"
        return "media_resume" if world.store.get(STOPPED) else None
    words = re.findall(r"[a-z]+", u.text.lower().replace("that's", "that"))
    nouns = [w for w in words if w in MEDIA_NOUNS]
    rest = " ".join(w for w in words if w not in MEDIA_NOUNS and w not in FILLER)
    intent = next((i for i, said in TRANSPORT_WORDS.items() if rest in said), None)
    if intent in ("media_pause", "media_resume") and not nouns and {"it", "that"} & set(words) and (
            world.store.get(NOW) is None and world.store.alarms("timer")):
        return None  # "pause it" with no music and a timer running: the timer (the alarm skills pause timers)
    return intent if intent and (nouns or rest in MEDIA_ONLY) else None


@skill("media_stop", does="stop the music")
def media_stop(t: Turn) -> Reply:
    actions = stop(t)
    return t.reply("Stopped." if actions else "Nothing is playing.", actions)


@skill("media_pause", does="pause the music")
def media_pause(t: Turn) -> Reply:
    current = now_playing(t)
    if current is None:
        return t.reply("Nothing is playing.")
    if current.get("paused"):
        return t.reply(f"{current['title']} is already paused.")
    t.store.put(NOW, {**current, "paused": True})
    return t.reply(f"I've paused {current['title']}.", [{"player": "pause"}])


@skill("media_resume", does="carry on playing")
def media_resume(t: Turn) -> Reply:
    """Continues what was paused or stopped, where it was (an audiobook at its chapter)."""
    current = now_playing(t)
    if current is not None and not current.get("paused"):
        return t.reply(f"{current['title']} is already playing.")
    item = current or t.store.get(STOPPED)
    if item is None:
        return t.reply("There's nothing to resume. Ask me to play something.")
    t.store.put(NOW, {**item, "paused": False})
    return t.reply(f"Resuming {item['title']}.", [{"player": "resume", "item": item}])


def _step(t: Turn, step: int) -> Reply:
    """The next or previous song of the artist, station, episode of the show or chapter of the book."""
    current = now_playing(t)
    if current is None:
        return t.reply(f"Nothing is playing, so there's nothing to {'skip' if step > 0 else 'go back to'}.")
    found = _beside(t, current, step)
    if isinstance(found, str):
        return t.reply(found)
    if current["kind"] == "audiobook":
        t.store.put(f"audiobook:{current['title']}", found[0]["chapter"])
    return start(t, *found)


def _beside(t: Turn, current: dict, step: int) -> tuple[dict, str] | str:
    """The item `step` away from what plays, and how to say it; or why there is none."""
    kind = current["kind"]
    if kind == "audiobook":
        book = next(b for b in t.world.audiobooks if b["title"] == current["title"])
        chapter = current.get("chapter", 1) + step
        if not 1 <= chapter <= book["chapters"]:
            return f"That's the {'last' if step > 0 else 'first'} chapter of {book['title']}."
        return {**current, "chapter": chapter}, f"chapter {say.number(chapter)} of {book['title']}"
    if kind == "radio":
        names = [s["name"] for s in t.world.radio]
        station = t.world.radio[(names.index(current["title"]) + step) % len(names)]
        return {**current, "title": station["name"], "genre": station["genre"]}, station["name"]
    if kind == "podcast":
        titles = next(s for s in t.world.podcasts if s["name"] == current["by"])["episodes"]
    else:
        titles = next(a for a in t.world.music if a["artist"] == current["by"])["songs"]
    title = titles[(titles.index(current["title"]) + step) % len(titles)]
    return {**current, "title": title}, f"{title} by {current['by']}" if kind == "music" else title


@skill("media_restart", does="play it again from the start")
def media_restart(t: Turn) -> Reply:
    current = now_playing(t)
    if current is None:
        return t.reply("Nothing is playing, so there's nothing to start again.")
    said = f"{current['title']} by {current['by']}" if current["kind"] == "music" else current["title"]
    reply = start(t, current, said)
    return t.reply(f"Okay, {said} from the start.", reply.actions)


@skill("media_next", does="skip to the next one")
def media_next(t: Turn) -> Reply:
    return _step(t, +1)


@skill("media_previous", does="go back to the previous one")
def media_previous(t: Turn) -> Reply:
    return _step(t, -1)


def library_item(world: World, text: str) -> tuple[str, dict, str | None] | None:
    """The library entry the words name, (play intent, entry, song): a song title first ("Blue Hour by Ruby
    Okafor"), then the longest other name. The model tags titles poorly (they're not in its training data)."""
    text = f" {' '.join(_spelled(text))} "
    songs = [(s, "play_music", a, s) for a in world.music for s in a["songs"]]
    others = ([(a["artist"], "play_music", a, None) for a in world.music]
              + [(s["name"], "play_radio", s, None) for s in world.radio]
              + [(p["name"], "play_podcasts", p, None) for p in world.podcasts]
              + [(b[k], "play_audiobook", b, None) for b in world.audiobooks for k in ("title", "author")])
    for name, intent, entry, song in songs + sorted(others, key=lambda n: -len(n[0])):
        words = " ".join(_spelled(name.lower().removeprefix("the ")))
        if f" {words} " in text:
            return intent, entry, song
    return None


def library(u: Understanding, world: World) -> str | None:
    """The play intent for what a "play ..." names in the library, whatever kind the model guessed."""
    hit = library_item(world, u.text) if u.intent.startswith("play_") or PLAY.match(u.text.lower()) else None
    return hit[0] if hit else None


def _named_artist(t: Turn) -> dict | None:
    """The artist whose genre or name the words say, where the model tagged something else ("some chill jazz")."""
    words = set(_spelled(t.text))
    return next((a for a in t.world.music if a["genre"] in words or _words(a["artist"]) <= words), None)


def _mood(text: str) -> str | None:
    words = set(_spelled(text))
    return next((mood for mood, said in MOODS.items() if words & said), None)


def _song(t: Turn, song: str, artist: dict) -> Reply:
    return start(t, {"kind": "music", "title": song, "by": artist["artist"], "genre": artist["genre"]},
                 f"{song} by {artist['artist']}")


@skill("play_music", accepts=("artist_name", "song_name", "music_genre", "playlist_name", "music_album",
                              "music_descriptor"), does="play music")
def play_music(t: Turn) -> Reply:
    library = t.world.music
    if (hit := library_item(t.world, t.text)) and hit[0] == "play_music":
        return _song(t, hit[2] or hit[1]["songs"][t.session.turn % len(hit[1]["songs"])], hit[1])
    if song := t.slots.text("song_name"):
        for artist in library:
            hit = next((s for s in artist["songs"] if _matches(song, s)), None)
            if hit:
                return _song(t, hit, artist)
    wanted = t.slots.text("artist_name", "music_genre", "music_album", "playlist_name", "song_name")
    artist = (next((a for a in library if _matches(wanted, a["artist"], a["genre"])), None) if wanted else None
              ) or _named_artist(t)
    if artist:
        return _song(t, artist["songs"][t.session.turn % len(artist["songs"])], artist)
    if mood := _mood(t.text):
        fitting = [a for a in library if a.get("mood") == mood]
        artist = fitting[t.session.turn % len(fitting)]
        song = artist["songs"][t.session.turn % len(artist["songs"])]
        return start(t, {"kind": "music", "title": song, "by": artist["artist"], "genre": artist["genre"]},
                     f"something {mood}, {song} by {artist['artist']}")
    if wanted:
        genres = say.join(sorted({a["genre"] for a in library}), "or")
        return t.reply(f"{wanted.title()} isn't in the local library. I can play {genres}.")
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
    if (hit := library_item(t.world, t.text)) and hit[0] == "play_radio":
        station = hit[1]
    elif wanted:
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
    elif (hit := library_item(t.world, t.text)) and hit[0] == "play_podcasts":
        show, index = hit[1], len(hit[1]["episodes"]) - 1
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
    if (hit := library_item(t.world, t.text)) and hit[0] == "play_audiobook":
        book = hit[1]
    elif wanted and book is None:
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
    if mode := next((m for m in ("shuffle", "repeat") if m in t.text), None):
        on = t.store.get("player_settings", {}).get(mode, False)
        return t.reply(f"{mode.capitalize()} is {'on' if on else 'off'}.")
    if LIBRARY_QUESTION.search(t.text):
        shelf = say.join([f"{a['genre']} from {a['artist']}" for a in t.world.music], "and")
        return t.reply(f"The local library has {shelf}. I can also play {say.number(len(t.world.radio))} radio "
                       "stations, podcasts and audiobooks.")
    current = now_playing(t)
    if current is None:
        return t.reply("Nothing is playing right now.")
    if WHAT_NEXT.search(t.text):
        found = _beside(t, current, +1)
        return t.reply(found if isinstance(found, str) else f"Next up is {found[1]}.")
    by = f" by {current['by']}" if current.get("by") else ""
    genre = f", {current['genre']}" if current.get("genre") else ""
    paused = ", paused" if current.get("paused") else ""
    return t.reply(f"This is {current['title']}{by}{genre}, from the local library{paused}.")


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


# "I hate this song", "I don't like this": the model hears liking it (0.99 sure for "i hate this song")
DISLIKE = re.compile(r"\b(?:(?:do|does|did)(?:n'?t| not) (?:really )?(?:like|love|enjoy)|hate|can'?t stand|"
                     r"not (?:a fan of|into)|sucks|(?:is|are|'s|so|sounds?) (?:really |so |pretty )?"
                     r"(?:terrible|awful|horrible|rubbish|boring|annoying|dreadful|bad|the worst))\b")
ABOUT_MUSIC = re.compile(r"\b(?:this|that|it|song|track|tune|music|artist|band|singer|one)\b")


def dislike(u: Understanding, world: World) -> str | None:
    """music_dislikeness for dislike said of music, or of "this" while something plays; one of the rules
    skills/status.py runs."""
    text = u.text.lower()
    if not DISLIKE.search(text):
        return None
    playing = world.store.get(NOW) is not None
    about_music = u.intent.startswith(("music_", "play_")) or playing and ABOUT_MUSIC.search(text)
    return "music_dislikeness" if about_music else None


@skill("music_dislikeness", accepts=("artist_name", "music_genre", "song_name"), does="remember music you dislike")
def music_dislikeness(t: Turn) -> Reply:
    """Remembered, and what plays by them stops for another artist's song."""
    subject = _subject(t)
    if subject is None:
        return t.reply("Which music don't you like?")
    disliked = [x for x in t.store.get(DISLIKES, []) if x != subject] + [subject]
    t.store.put(DISLIKES, disliked)
    t.store.put(LIKES, [x for x in t.store.get(LIKES, []) if x != subject])
    said = f"Okay, I'll remember you don't like {subject}."
    current = now_playing(t)
    if current and current["kind"] == "music" and subject in (current.get("by"), current["title"]):
        others = [a for a in t.world.music if a["artist"] not in disliked and a["artist"] != current.get("by")]
        if others:
            song, by = others[0]["songs"][0], others[0]["artist"]
            started = start(t, {**current, "title": song, "by": by, "genre": others[0]["genre"]}, f"{song} by {by}")
            return t.reply(f"{said} Here's {song} by {by} instead.", [{"dislikes": subject}, *started.actions])
    return t.reply(said, [{"dislikes": subject}])


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

"""Docs sections are replaced between their markers and nothing else on the page changes."""

from bench.docs_section import markers, write_section
from models import report


def test_bench_section_replaces_only_its_own_markers(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\n<!-- asr:start -->\nASR TABLE\n<!-- asr:end -->\n")
    write_section("nlu", "first", page)
    write_section("nlu", "second", page)
    text = page.read_text()
    start, _ = markers("nlu")
    assert "ASR TABLE" in text and "second" in text and "first" not in text
    assert text.count(start) == 1 and text.index("<!-- asr:end -->") < text.index(start)


def test_models_page_keeps_the_v1_part_and_one_study_section():
    once = report.render("# Models\n\nv1 text\n", "## Study A")
    twice = report.render(once, "## Study B")
    assert twice.startswith("# Models\n\nv1 text") and "Study B" in twice and "Study A" not in twice
    assert twice.count(report.START) == 1 and twice.count(report.END) == 1
    page = twice + "\n<!-- wakeword:start -->\n## Wake word\n<!-- wakeword:end -->\n"
    again = report.render("# Models\n\nv1 text\n", "## Study C", page)
    assert "Study C" in again and again.count("## Wake word") == 1 and again.index(report.END) < again.index("## Wake")


def _whisper_files(tmp_path, ours_ms, ours_wer):
    import json

    rows = [dict(engine=name, size_mb=60.0, parameters=37_800_000, synth_p50_ms=ms, p50_ms=ms, p95_ms=ms, rtf=0.1,
                 wer_real=wer, wer_synth=10.0, peak_rss_mb=300)
            for name, ms, wer in (("stock", 600, 4.2), ("openai-fp32", 300, 5.1), ("onnx-int8", ours_ms, ours_wer))]
    results, speedup = tmp_path / "results.json", tmp_path / "speedup.json"
    results.write_text(json.dumps({"setup": "fresh processes", "rows": rows}))
    latency = {r["engine"]: [r["synth_p50_ms"] / 1000] * 3 for r in rows}
    speedup.write_text(json.dumps({"setup": "rotated", "durations_s": [1.5, 3.0, 3.2], "latency_s": latency}))
    return results, speedup


def test_whisper_targets_are_judged_from_the_measurements(tmp_path):
    from models.whisper import report as whisper_report

    fast = whisper_report.section(*_whisper_files(tmp_path, ours_ms=50, ours_wer=4.2), plot=None)
    targets = fast.split("| target |", 1)[1]
    assert targets.count("| yes |") == 2 and "6.00x per command clip" in targets
    slow = whisper_report.section(*_whisper_files(tmp_path, ours_ms=75, ours_wer=4.2), plot=None)
    assert slow.split("| target |", 1)[1].count("**no**") == 1  # 4x: vs stock yes, vs openai no
    worse = whisper_report.section(*_whisper_files(tmp_path, ours_ms=50, ours_wer=5.8), plot=None)
    assert worse.split("| target |", 1)[1].count("**no**") == 2  # +0.7 WER vs openai, +1.6 vs stock


def _nlu_row(intent, f1, p50, size, runtime="onnx", gap=2.0):
    scores = {"n": 10, "intent_accuracy": intent, "span_precision": f1, "span_recall": f1, "span_f1": f1}
    spoken = {"utterances": 10, "spoken": {**scores, "intent_accuracy": intent - gap}, "text": scores,
              "intent_gap_points": gap, "entity_f1_gap_points": 5.0, "wer": {"all": 20.0, "clean": 15.0, "noisy": 25.0},
              "noisy_utterances": 5, "refused": 0, "gold_entities": 8, "dropped_entities": {"vanished": 1}}
    return {"family": "distilled" if runtime == "onnx" else "teacher", "method": "m", "dev": scores,
            "latency": {"p50_ms": p50}, "size_mb": size, "runtime": runtime,
            "per_type": {"date": {"gold": 5, "predicted": 5, "precision": f1, "recall": f1, "f1": f1}},
            "errors": {"boundary": 1, "type": 2, "boundary+type": 0, "spurious": 3, "missed": 4},
            "decoders": {"argmax": scores, "all (the runtime's)": scores}, "spoken_dev": spoken}


def test_language_understanding_targets_are_judged_from_the_measurements():
    results = {"teacher-pytorch": _nlu_row(91.0, 75.0, 10.0, 90.0, "pytorch"),
               "s-vocab-int8": _nlu_row(91.5, 81.0, 1.0, 8.0, gap=5.0)}
    text = report.understanding_section(results, {"s-vocab-int8": {"dev": {"span_f1": 95.5}}})
    targets = text.split("| target |", 1)[1].split("\n\n", 1)[0]
    assert "Shipped: `s-vocab-int8`" in text
    assert targets.count("| yes |") == 6 and targets.count("**no**") == 1 and "5.00 points" in targets
    results["s-vocab-int8"] = _nlu_row(90.5, 79.0, 1.0, 8.0)
    targets = report.understanding_section(results, {}).split("| target |", 1)[1].split("\n\n", 1)[0]
    assert targets.count("**no**") == 2 and "not measured" in targets  # intent 90.5, F1 79; no SNIPS run


def test_the_teacher_trial_is_set_beside_the_shipped_model_and_ships_only_if_it_wins_everywhere():
    main = {"teacher-pytorch": _nlu_row(91.0, 77.0, 20.0, 90.0, "pytorch"), "s-vocab-int8": _nlu_row(90.5, 76.9, 1.3, 9.0)}
    trial = {"teacher-pytorch": {**_nlu_row(92.0, 77.5, 60.0, 430.0, "pytorch"), "date": "2026-12-02",
                                 "measure_command": "python -m models.compress.study measure"},
             "m-vocab-int8": _nlu_row(91.2, 77.0, 1.3, 9.0)}
    text = report.trial_section(main, trial)
    assert "+1.00 points of dev intent accuracy and +0.50 of entity F1" in text
    assert "Not shipped: its entity F1 is not above the shipped model's by more than a tie." in text
    assert text.count("| 91.20 | 77.00 |") == 1 and "| MPNet-base teacher F1 % |" in text
    trial["m-vocab-int8"] = _nlu_row(90.0, 80.0, 1.3, 9.0, gap=4.0)
    text = report.trial_section(main, trial)
    assert "Not shipped: it loses dev intent accuracy against the shipped model; it understands the spoken" in text
    trial["m-vocab-int8"] = _nlu_row(91.0, 80.0, 1.3, 9.0, gap=1.0)
    assert "It would replace the shipped model" in report.trial_section(main, trial)
    assert report.trial_section(main, {}) == ""

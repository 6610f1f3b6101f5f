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

"""The compression study's task switch: SNIPS, and teachers of another encoder, run in their own folders;
SNIPS never ships."""

import pytest

from models.compress import study


@pytest.fixture
def snips_task():
    study.use_task("snips")
    yield
    study.use_task("main")


def test_snips_task_has_its_own_work_folder_and_results(snips_task):
    assert study.WORK.name == "compress-snips" and study.CANDIDATES.parent == study.WORK
    assert study.RESULTS.name == "results_snips.json"
    study.use_task("main")
    assert study.WORK.name == "compress" and study.RESULTS.name == "results.json"


def test_a_teacher_of_another_encoder_has_its_own_work_folder_and_results(snips_task):
    study.use_task("main", "mpnet-base")
    assert study.WORK.name == "compress-mpnet-base" and study.RESULTS.name == "results_mpnet-base.json"
    study.use_task("snips", "mpnet-base")
    assert study.WORK.name == "compress-snips-mpnet-base" and study.RESULTS.name == "results_snips-mpnet-base.json"


def test_a_student_leaves_out_a_rare_misaligned_sentence_and_refuses_a_teacher_that_cuts_words_otherwise():
    student = [{"input_ids": [0, 5, 6, 2]}] * 150 + [{"input_ids": [0, 7, 2]}]
    teacher = [{"input_ids": [101, 9, 8, 102]}] * 150 + [{"input_ids": [101, 3, 4, 102]}]
    targets = [("intent", i) for i in range(151)]
    kept, kept_targets = study._aligned(student, teacher, targets)
    assert len(kept) == 150 and kept_targets == targets[:150]
    with pytest.raises(study.HearthError, match="1 of 3 sentences split into different wordpieces"):
        study._aligned(student[-3:], teacher[-3:], targets[:3])


def test_snips_study_refuses_to_ship(snips_task, capsys):
    assert study.main(["ship", "--task", "snips"]) == 1
    assert "comparison only" in capsys.readouterr().err


def test_family_tables_show_snips_scores_only_where_measured():
    from models import report

    row = dict(family="distilled", method="m", size_mb=8.7, parameters=8_600_000, peak_rss_mb=100,
               latency={"p50_ms": 0.85, "p95_ms": 1.1}, dev={"intent_accuracy": 89.9, "span_f1": 69.6})
    results = {"student3b-vocab-int8": row, "student3-vocab-int8": row}
    snips = {"student3b-vocab-int8": {"dev": {"intent_accuracy": 98.0, "span_f1": 88.5}}}
    table = report.family_tables(results, "student3b-vocab-int8", snips)
    lines = [line for line in table.splitlines() if "student3" in line]
    assert lines[0].endswith("| 98.00 / 88.50 |") and lines[1].endswith("| - |")


def test_teacher_step_without_a_build_is_a_clear_error(snips_task, tmp_path, capsys):
    assert study.main(["teacher", "--task", "snips", "--source", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "model.pt missing" in err and "--task snips" in err

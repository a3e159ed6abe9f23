"""Our own labelled sets (tests/data, written by us, never drawn from ../shared/eval), run as users run them
(`run_bot.py eval DIR`): a check that what the dev set taught the bot carries over to other messages and to other
knowledge bases.

- own: messages against the shipped knowledge base.
- kb_a … kb_l, kb_n … kb_z, kb_aa … kb_cq (no kb_d): each a knowledge base of its own (kb.json) with messages written for it by someone who had not
  seen our code or our other data: the nearest thing we have to the held-out set. Lines sharing six characters in
  a row with a dev message were left out.
- kb_m: questions its knowledge base answers and as many on the same topics that it does not (near misses):
  the wrong-answer rate there is high (0.17 before must_name.txt covered pay, balances, replacing lost papers …; 0.08
  now) and is held from growing. kb_n … kb_z have near misses of the same kind; kb_t was written with an office-worded knowledge base
  on purpose, and its FAQ figure is the lowest.
- reports: reports of trouble and chatter close to it (no FAQ lines), against the shipped knowledge base.

The floors sit one line under what the bot measures now, and the wrong-answer ceilings one line over (scores no
longer depend on Python's hash seed, which once made a clean-cache CI run answer a kb_aa line differently);
docs/matching.md has the figures of each set's first run, before anything was changed for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_eval_dev import eval_figures

DATA = Path(__file__).resolve().parent / "data"
FLOORS = {
    "own": {"faq_accuracy": 0.91, "complaint_recall": 0.98, "complaint_precision": 0.99, "category_accuracy": 0.97,
            "silence_rate": 0.98},
    "kb_a": {"faq_accuracy": 0.86, "complaint_recall": 0.91, "complaint_precision": 0.91, "category_accuracy": 0.95,
             "silence_rate": 0.94},
    "kb_b": {"faq_accuracy": 0.80, "complaint_recall": 0.95, "complaint_precision": 0.95, "category_accuracy": 0.91,
             "silence_rate": 0.94},
    "kb_c": {"faq_accuracy": 0.81, "complaint_recall": 0.92, "complaint_precision": 0.87, "category_accuracy": 0.96,
             "silence_rate": 0.95},
    "kb_e": {"faq_accuracy": 0.93, "complaint_recall": 0.96, "complaint_precision": 0.93, "category_accuracy": 0.93,
             "silence_rate": 0.90},
    "kb_f": {"faq_accuracy": 0.75, "complaint_recall": 0.96, "complaint_precision": 0.88, "category_accuracy": 0.96,
             "silence_rate": 0.92},
    "kb_g": {"faq_accuracy": 0.83, "complaint_recall": 0.88, "complaint_precision": 0.88, "category_accuracy": 0.92,
             "silence_rate": 0.93},
    "kb_h": {"faq_accuracy": 0.94, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.92,
             "silence_rate": 0.97},
    "kb_i": {"faq_accuracy": 0.92, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.96,
             "silence_rate": 0.97},
    "kb_j": {"faq_accuracy": 0.93, "complaint_recall": 0.95, "complaint_precision": 0.95, "category_accuracy": 0.95,
             "silence_rate": 0.97},
    "kb_k": {"faq_accuracy": 0.98, "complaint_recall": 0.96, "complaint_precision": 0.92, "category_accuracy": 0.96,
             "silence_rate": 0.94},
    "kb_l": {"faq_accuracy": 0.90, "complaint_recall": 0.92, "complaint_precision": 0.86, "category_accuracy": 0.96,
             "silence_rate": 0.97},
    "kb_m": {"faq_accuracy": 0.96, "silence_rate": 0.91},
    "kb_n": {"faq_accuracy": 0.75, "complaint_recall": 0.94, "complaint_precision": 0.92, "category_accuracy": 0.89,
             "silence_rate": 0.97},
    "kb_o": {"faq_accuracy": 0.78, "complaint_recall": 0.92, "complaint_precision": 0.92, "category_accuracy": 0.80,
             "silence_rate": 0.96},
    "kb_p": {"faq_accuracy": 0.93, "complaint_recall": 0.94, "complaint_precision": 0.94, "category_accuracy": 0.88,
             "silence_rate": 0.93},
    "kb_q": {"faq_accuracy": 0.86, "complaint_recall": 0.97, "complaint_precision": 0.97, "category_accuracy": 0.84,
             "silence_rate": 0.93},
    "kb_r": {"faq_accuracy": 0.93, "complaint_recall": 0.93, "complaint_precision": 0.93, "category_accuracy": 0.93,
             "silence_rate": 0.90},
    "kb_s": {"faq_accuracy": 0.90, "complaint_recall": 0.93, "complaint_precision": 0.93, "category_accuracy": 0.90,
             "silence_rate": 0.93},
    "kb_t": {"faq_accuracy": 0.54, "complaint_recall": 0.97, "complaint_precision": 0.90, "category_accuracy": 0.85,
             "silence_rate": 0.90},
    "kb_u": {"faq_accuracy": 0.84, "complaint_recall": 0.92, "complaint_precision": 0.97, "category_accuracy": 0.81,
             "silence_rate": 0.94},
    "kb_v": {"faq_accuracy": 0.90, "complaint_recall": 0.96, "complaint_precision": 0.93, "category_accuracy": 0.86,
             "silence_rate": 0.92},
    "kb_w": {"faq_accuracy": 0.92, "complaint_recall": 0.97, "complaint_precision": 0.94, "category_accuracy": 0.80,
             "silence_rate": 0.96},
    "kb_x": {"faq_accuracy": 0.88, "complaint_recall": 0.97, "complaint_precision": 0.97, "category_accuracy": 0.72,
             "silence_rate": 0.97},
    "kb_y": {"faq_accuracy": 0.65, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.84,
             "silence_rate": 0.96},
    "kb_z": {"faq_accuracy": 0.72, "complaint_recall": 0.94, "complaint_precision": 0.92, "category_accuracy": 0.94,
             "silence_rate": 0.91},
    "kb_aa": {"faq_accuracy": 0.80, "complaint_recall": 0.94, "complaint_precision": 0.94, "category_accuracy": 0.75,
              "silence_rate": 0.96},
    "kb_ab": {"faq_accuracy": 0.90, "complaint_recall": 0.97, "complaint_precision": 0.97, "category_accuracy": 0.77,
              "silence_rate": 0.96},
    "kb_ac": {"faq_accuracy": 0.92, "complaint_recall": 0.94, "complaint_precision": 0.97, "category_accuracy": 0.88,
              "silence_rate": 0.94},
    "kb_ad": {"faq_accuracy": 0.92, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_ae": {"faq_accuracy": 0.87, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.93,
              "silence_rate": 0.91},
    "kb_af": {"faq_accuracy": 0.83, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.93,
              "silence_rate": 0.96},
    "kb_ag": {"faq_accuracy": 0.79, "complaint_recall": 0.97, "complaint_precision": 0.94, "category_accuracy": 0.88,
              "silence_rate": 0.96},
    "kb_ah": {"faq_accuracy": 0.86, "complaint_recall": 0.94, "complaint_precision": 0.97, "category_accuracy": 0.97,
              "silence_rate": 0.96},
    "kb_ai": {"faq_accuracy": 0.92, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.90,
              "silence_rate": 0.96},
    "kb_aj": {"faq_accuracy": 0.89, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_ak": {"faq_accuracy": 0.91, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_al": {"faq_accuracy": 0.87, "complaint_recall": 0.88, "complaint_precision": 0.97, "category_accuracy": 0.97,
              "silence_rate": 0.97},
    "kb_am": {"faq_accuracy": 0.95, "complaint_recall": 0.92, "complaint_precision": 0.96, "category_accuracy": 0.92,
              "silence_rate": 0.96},
    "kb_an": {"faq_accuracy": 0.88, "complaint_recall": 0.94, "complaint_precision": 0.94, "category_accuracy": 0.93,
              "silence_rate": 0.92},
    "kb_ao": {"faq_accuracy": 0.63, "complaint_recall": 0.93, "complaint_precision": 0.93, "category_accuracy": 0.93,
              "silence_rate": 0.94},
    "kb_ap": {"faq_accuracy": 0.90, "complaint_recall": 0.90, "complaint_precision": 0.93, "category_accuracy": 0.86,
              "silence_rate": 0.93},
    "kb_aq": {"faq_accuracy": 0.86, "complaint_recall": 0.94, "complaint_precision": 0.91, "category_accuracy": 0.90,
              "silence_rate": 0.96},
    "kb_ar": {"faq_accuracy": 0.86, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.93,
              "silence_rate": 0.96},
    "kb_as": {"faq_accuracy": 0.84, "complaint_recall": 0.90, "complaint_precision": 0.96, "category_accuracy": 0.93,
              "silence_rate": 0.93},
    "kb_at": {"faq_accuracy": 0.91, "complaint_recall": 0.94, "complaint_precision": 0.97, "category_accuracy": 0.91,
              "silence_rate": 0.90},
    "kb_au": {"faq_accuracy": 0.97, "complaint_recall": 0.90, "complaint_precision": 0.93, "category_accuracy": 0.96,
              "silence_rate": 0.93},
    "kb_av": {"faq_accuracy": 0.82, "complaint_recall": 0.94, "complaint_precision": 0.96, "category_accuracy": 0.94,
              "silence_rate": 0.96},
    "kb_aw": {"faq_accuracy": 0.80, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.90,
              "silence_rate": 0.93},
    "kb_ax": {"faq_accuracy": 0.78, "complaint_recall": 0.92, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_ay": {"faq_accuracy": 0.82, "complaint_recall": 0.96, "complaint_precision": 0.93, "category_accuracy": 0.86,
              "silence_rate": 0.97},
    "kb_az": {"faq_accuracy": 0.85, "complaint_recall": 0.93, "complaint_precision": 0.93, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_ba": {"faq_accuracy": 0.79, "complaint_recall": 0.97, "complaint_precision": 0.97, "category_accuracy": 0.85,
              "silence_rate": 0.94},
    "kb_bb": {"faq_accuracy": 0.81, "complaint_recall": 0.93, "complaint_precision": 0.93, "category_accuracy": 0.87,
              "silence_rate": 0.97},
    "kb_bc": {"faq_accuracy": 0.88, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.93,
              "silence_rate": 0.93},
    "kb_bd": {"faq_accuracy": 0.95, "complaint_recall": 0.90, "complaint_precision": 0.96, "category_accuracy": 0.90,
              "silence_rate": 0.90},
    "kb_be": {"faq_accuracy": 0.82, "complaint_recall": 0.93, "complaint_precision": 0.90, "category_accuracy": 0.96,
              "silence_rate": 0.90},
    "kb_bf": {"faq_accuracy": 0.81, "complaint_recall": 0.96, "complaint_precision": 0.94, "category_accuracy": 0.81,
              "silence_rate": 0.90},
    "kb_bg": {"faq_accuracy": 0.93, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_bh": {"faq_accuracy": 0.80, "complaint_recall": 0.91, "complaint_precision": 0.88, "category_accuracy": 0.87,
              "silence_rate": 0.90},
    "kb_bi": {"faq_accuracy": 0.92, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.82,
              "silence_rate": 0.94},
    "kb_bj": {"faq_accuracy": 0.93, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_bk": {"faq_accuracy": 0.93, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.93,
              "silence_rate": 0.93},
    "kb_bl": {"faq_accuracy": 0.82, "complaint_recall": 0.97, "complaint_precision": 0.89, "category_accuracy": 0.91,
              "silence_rate": 0.82},
    "kb_bm": {"faq_accuracy": 0.93, "complaint_recall": 0.92, "complaint_precision": 0.92, "category_accuracy": 0.87,
              "silence_rate": 0.96},
    "kb_bn": {"faq_accuracy": 0.88, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.93},
    "kb_bo": {"faq_accuracy": 0.78, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.87,
              "silence_rate": 0.90},
    "kb_bp": {"faq_accuracy": 0.95, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.87,
              "silence_rate": 0.97},
    "kb_bq": {"faq_accuracy": 0.84, "complaint_recall": 0.93, "complaint_precision": 0.91, "category_accuracy": 0.90,
              "silence_rate": 0.96},
    "kb_br": {"faq_accuracy": 0.91, "complaint_recall": 0.93, "complaint_precision": 0.93, "category_accuracy": 0.93,
              "silence_rate": 0.93},
    "kb_bs": {"faq_accuracy": 0.85, "complaint_recall": 0.96, "complaint_precision": 0.90, "category_accuracy": 0.93,
              "silence_rate": 0.85},
    "kb_bt": {"faq_accuracy": 0.68, "complaint_recall": 0.94, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_bu": {"faq_accuracy": 0.87, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.93,
              "silence_rate": 0.96},
    "kb_bv": {"faq_accuracy": 0.90, "complaint_recall": 0.91, "complaint_precision": 0.96, "category_accuracy": 0.90,
              "silence_rate": 0.93},
    "kb_bw": {"faq_accuracy": 0.88, "complaint_recall": 0.92, "complaint_precision": 0.89, "category_accuracy": 0.88,
              "silence_rate": 0.82},
    "kb_bx": {"faq_accuracy": 0.84, "complaint_recall": 0.97, "complaint_precision": 0.97, "category_accuracy": 0.97,
              "silence_rate": 0.96},
    "kb_by": {"faq_accuracy": 0.75, "complaint_recall": 0.96, "complaint_precision": 0.90, "category_accuracy": 0.96,
              "silence_rate": 0.93},
    "kb_bz": {"faq_accuracy": 0.85, "complaint_recall": 0.96, "complaint_precision": 0.93, "category_accuracy": 0.96,
              "silence_rate": 0.87},
    "kb_ca": {"faq_accuracy": 0.87, "complaint_recall": 0.93, "complaint_precision": 0.93, "category_accuracy": 0.93,
              "silence_rate": 0.93},
    "kb_cb": {"faq_accuracy": 0.82, "complaint_recall": 0.96, "complaint_precision": 0.93, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_cc": {"faq_accuracy": 0.92, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.93},
    "kb_cd": {"faq_accuracy": 0.90, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.96,
              "silence_rate": 0.96},
    "kb_ce": {"faq_accuracy": 0.93, "complaint_recall": 0.97, "complaint_precision": 0.97, "category_accuracy": 0.88,
              "silence_rate": 0.91},
    "kb_cf": {"faq_accuracy": 0.75, "complaint_recall": 0.96, "complaint_precision": 0.93, "category_accuracy": 0.96,
              "silence_rate": 0.93},
    "kb_cg": {"faq_accuracy": 0.73, "complaint_recall": 0.88, "complaint_precision": 0.94, "category_accuracy": 0.93,
              "silence_rate": 0.93},
    "kb_ch": {"faq_accuracy": 0.93, "complaint_recall": 0.96, "complaint_precision": 0.93, "category_accuracy": 0.93,
              "silence_rate": 0.96},
    "kb_ci": {"faq_accuracy": 0.94, "complaint_recall": 0.94, "complaint_precision": 0.97, "category_accuracy": 0.97,
              "silence_rate": 0.97},
    "kb_cn": {"faq_accuracy": 0.62, "complaint_recall": 0.91, "complaint_precision": 0.86, "category_accuracy": 0.88,
              "silence_rate": 0.97},
    "kb_co": {"faq_accuracy": 0.72, "complaint_recall": 0.97, "complaint_precision": 0.87, "category_accuracy": 0.94,
              "silence_rate": 0.94},
    "kb_cp": {"faq_accuracy": 0.71, "complaint_recall": 0.96, "complaint_precision": 0.96, "category_accuracy": 0.87,
              "silence_rate": 0.97},
    "kb_cq": {"faq_accuracy": 0.72, "complaint_recall": 0.93, "complaint_precision": 0.96, "category_accuracy": 0.87,
              "silence_rate": 0.97},
    "kb_cr": {"faq_accuracy": 0.72, "complaint_recall": 0.88, "complaint_precision": 0.93, "category_accuracy": 0.96,
              "silence_rate": 0.97},
    "kb_cs": {"faq_accuracy": 0.62, "complaint_recall": 0.94, "complaint_precision": 0.94, "category_accuracy": 0.90,
              "silence_rate": 0.97},
    "kb_ct": {"faq_accuracy": 0.77, "complaint_recall": 0.94, "complaint_precision": 0.89, "category_accuracy": 0.82,
              "silence_rate": 0.90},
    "kb_cu": {"faq_accuracy": 0.76, "complaint_recall": 0.93, "complaint_precision": 0.87, "category_accuracy": 0.96,
              "silence_rate": 0.97},
    "kb_cv": {"faq_accuracy": 0.73, "complaint_recall": 0.92, "complaint_precision": 0.94, "category_accuracy": 0.83,
              "silence_rate": 0.92},
    "kb_cw": {"faq_accuracy": 0.77, "complaint_recall": 0.80, "complaint_precision": 0.85, "category_accuracy": 0.83,
              "silence_rate": 0.95},
    "kb_cx": {"faq_accuracy": 0.62, "complaint_recall": 0.94, "complaint_precision": 0.91, "category_accuracy": 0.88,
              "silence_rate": 0.97},
    "kb_cy": {"faq_accuracy": 0.65, "complaint_recall": 0.91, "complaint_precision": 0.91, "category_accuracy": 0.87,
              "silence_rate": 0.94},
    "reports": {"complaint_recall": 0.91, "complaint_precision": 0.96, "category_accuracy": 0.88, "silence_rate": 0.97},
}
# reports has none: its questions were written without our knowledge base, which answers some of them.
WRONG_CEILINGS = {"own": 0.015, "kb_a": 0.035, "kb_b": 0.03, "kb_c": 0.02, "kb_e": 0.025, "kb_f": 0.035, "kb_g": 0.02,
                  "kb_h": 0.01, "kb_i": 0.01, "kb_j": 0.01, "kb_k": 0.01, "kb_l": 0.02, "kb_m": 0.055, "kb_n": 0.01,
                  "kb_o": 0.025, "kb_p": 0.01, "kb_q": 0.025, "kb_r": 0.03, "kb_s": 0.03, "kb_t": 0.02,
                  "kb_u": 0.04, "kb_v": 0.02, "kb_w": 0.01, "kb_x": 0.025, "kb_y": 0.035, "kb_z": 0.02,
                  "kb_aa": 0.03, "kb_ab": 0.02, "kb_ac": 0.03, "kb_ad": 0.01, "kb_ae": 0.05, "kb_af": 0.02,
                  "kb_ag": 0.01, "kb_ah": 0.02, "kb_ai": 0.02, "kb_aj": 0.03, "kb_ak": 0.02, "kb_al": 0.025,
                  "kb_am": 0.01, "kb_an": 0.01, "kb_ao": 0.03, "kb_ap": 0.03, "kb_aq": 0.04, "kb_ar": 0.04,
                  "kb_as": 0.02, "kb_at": 0.035, "kb_au": 0.03, "kb_av": 0.025, "kb_aw": 0.03, "kb_ax": 0.03,
                  "kb_ay": 0.03, "kb_az": 0.045, "kb_ba": 0.05, "kb_bb": 0.02, "kb_bc": 0.03, "kb_bd": 0.045,
                  "kb_be": 0.03, "kb_bf": 0.045, "kb_bg": 0.01,
                  "kb_bh": 0.025, "kb_bi": 0.03, "kb_bj": 0.01, "kb_bk": 0.04,
                  "kb_bl": 0.07, "kb_bm": 0.02, "kb_bn": 0.03, "kb_bo": 0.03,
                  "kb_bp": 0.01, "kb_bq": 0.02, "kb_br": 0.035, "kb_bs": 0.04,
                  "kb_bt": 0.07, "kb_bu": 0.02, "kb_bv": 0.02, "kb_bw": 0.05,
                  "kb_bx": 0.02, "kb_by": 0.02, "kb_bz": 0.05, "kb_ca": 0.065,
                  "kb_cb": 0.02, "kb_cc": 0.04, "kb_cd": 0.02, "kb_ce": 0.035,
                  "kb_cf": 0.03, "kb_cg": 0.07, "kb_ch": 0.01, "kb_ci": 0.04,
                  "kb_cn": 0.04, "kb_co": 0.02, "kb_cp": 0.025, "kb_cq": 0.04,
                  "kb_cr": 0.035, "kb_cs": 0.045, "kb_ct": 0.035, "kb_cu": 0.04,
                  "kb_cv": 0.04, "kb_cw": 0.035, "kb_cx": 0.035, "kb_cy": 0.045,
                  "kb_cz": 0.05, "kb_da": 0.01, "kb_db": 0.045, "kb_dc": 0.03}


@pytest.fixture(scope="module")
def figures_of():
    """A set's figures from one `eval` run, made by the first test that needs them: ninety sets in one fixture would
    not fit one test's time limit on a busy machine."""
    found = {}

    def figures(name: str):
        if name not in found:
            found[name] = eval_figures(DATA / name)
        return found[name]

    return figures


@pytest.mark.parametrize(("name", "figure"), [(n, f) for n, floors in FLOORS.items() for f in floors])
def test_figure_holds_on_our_own_sets(figures_of, name, figure):
    figures, failures = figures_of(name)
    assert figures[figure] >= FLOORS[name][figure], f"{name}: {figure} is {figures[figure]:.3f}; failures: {failures}"


@pytest.mark.parametrize("name", WRONG_CEILINGS)
def test_wrong_answers_stay_rare_on_our_own_sets(figures_of, name):
    figures, failures = figures_of(name)
    assert figures["wrong_answer_rate"] <= WRONG_CEILINGS[name], failures

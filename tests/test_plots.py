"""The run plots share one readable style: labelled axes, the scenario in the title, shocks named without overlap.

The figures are caught just before they are saved (``save_figure`` patched to lay them out
and keep them), so the checks read matplotlib's own geometry rather than pixels.
"""

from __future__ import annotations

from itertools import combinations, pairwise
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from simulator import run
from simulator.core.structure import PAIRS
from simulator.presentation import plots
from simulator.presentation.labels import parameter_words
from simulator.presentation.plots import KEY_BELOW_GID, SHOCK_LABEL_GID
from simulator.sweeps.experiment_labels import factor_label

from .conftest import SCENARIOS

SCENARIO_NAMES = ("perfect_storm", "historical_1991_2024")


@pytest.fixture(scope="module", params=SCENARIO_NAMES)
def drawn(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Each run plot of a short run of the scenario, laid out as saved: ``(result, {name: figure})``.

    The run has its no-shock twin, as ``eujsim run`` draws it, so the headline plot has its two panels.
    """
    result = run(SCENARIOS / f"{request.param}.yaml", replicates=1, twin=True)
    figures: dict[str, Figure] = {}
    folder = tmp_path_factory.mktemp(request.param)
    with pytest.MonkeyPatch.context() as patch:

        def keep(fig: Figure, path: Path | str, **_: object) -> None:
            plots.layout(fig)
            fig.canvas.draw()
            figures[Path(path).name] = fig

        patch.setattr(plots, "save_figure", keep)
        plots.draw_run_plots(result, folder, twin=result.twin)
    yield result, figures
    for fig in figures.values():
        plt.close(fig)


def data_axes(fig: Figure) -> list:
    """The plotting axes of a figure (not its colour bars)."""
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]


def shows_quarters(ax) -> bool:
    """Whether the axes labels its own x axis: not an upper panel whose quarters the panel below it shows."""
    shared = len(ax.get_shared_x_axes().get_siblings(ax)) > 1
    return not shared or any(t.get_visible() and t.get_text() for t in ax.get_xticklabels())


def extent(artist) -> Bbox:
    """Where an artist is drawn, in pixels; of an annotation its text only, not the stub to its line."""
    renderer = artist.get_figure(root=True).canvas.get_renderer()
    if isinstance(artist, Text):
        return Text.get_window_extent(artist, renderer)
    return artist.get_window_extent(renderer)


def test_every_run_plot_has_axis_labels_and_names_the_scenario(drawn):
    result, figures = drawn
    assert set(figures) == set(plots.RUN_PLOTS)
    for name, fig in figures.items():
        axes = data_axes(fig)
        assert axes[0].get_ylabel().strip(), f"{name}: no y label"
        assert all(ax.get_xlabel().strip() for ax in axes if shows_quarters(ax)), f"{name}: an x axis without label"
        assert any(shows_quarters(ax) for ax in axes), f"{name}: no axes shows the quarters"
        titles = [ax.get_title() for ax in axes] + [fig.get_suptitle()]
        assert any(result.scenario.name in t for t in titles), f"{name}: no title names the scenario"
        assert not any("coop_" in t or "threat_" in t for t in titles), f"{name}: a raw series key in a title"


def test_every_plot_with_a_time_axis_labels_each_shock(drawn):
    """Including the domain heatmap, whose shock lines used to have no label at all."""
    result, figures = drawn
    shocks = result.scenario.shocks
    assert shocks
    for name, fig in figures.items():
        first = data_axes(fig)[0]
        labels = [t for t in first.texts if t.get_gid() == SHOCK_LABEL_GID]
        assert len(labels) == len(shocks), f"{name}: {len(labels)} shock labels for {len(shocks)} shocks"
        texts = [t.get_text() for t in labels]
        if all(text.isdigit() for text in texts):  # numbered: a key must name every shock
            legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
            keyed = " ".join(t.get_text() for legend in legends for t in legend.get_texts())
            missing = [s.name for s in shocks if s.name.replace("_", " ") not in keyed]
            assert not missing, f"{name}: numbered shocks missing from the key: {missing}"
        else:
            assert texts == [s.name.replace("_", " ") for s in shocks]


def test_shock_labels_sit_above_the_data_and_do_not_overlap(drawn):
    _, figures = drawn
    for name, fig in figures.items():
        for ax in data_axes(fig):
            top = extent(ax).y1
            boxes = [extent(t) for t in ax.texts if t.get_gid() == SHOCK_LABEL_GID]
            assert all(box.y0 >= top - 0.5 for box in boxes), f"{name}: a shock label reaches into the axes"
            for a, b in combinations(boxes, 2):
                assert not a.overlaps(b), f"{name}: two shock labels overlap"
            if ax.get_title() and boxes:
                title = extent(ax.title)
                assert all(not title.overlaps(box) for box in boxes), f"{name}: the title touches a shock label"


def test_legends_and_keys_lie_outside_the_data(drawn):
    _, figures = drawn
    for name, fig in figures.items():
        areas = [extent(ax) for ax in data_axes(fig)]
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()]
        legends += [legend for legend in fig.legends if legend.get_gid() == KEY_BELOW_GID]
        for legend in legends:
            box = extent(legend)
            assert not any(box.overlaps(area) for area in areas), f"{name}: a legend covers an axes"
        for a, b in combinations(legends, 2):
            assert not extent(a).overlaps(extent(b)), f"{name}: two legends overlap"


def test_the_backcast_keeps_its_key_clear_of_both_legends(tmp_path, monkeypatch):
    result = run(SCENARIOS / "historical_1991_2024.yaml", replicates=1)
    kept: list[Figure] = []
    monkeypatch.setattr(plots, "save_figure", lambda fig, path, **_: (plots.layout(fig), kept.append(fig)))
    plots.plot_history(result, tmp_path / "backcast.png")
    fig = kept[0]
    fig.canvas.draw()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    assert len(legends) == 3
    for a, b in combinations(legends, 2):
        assert not extent(a).overlaps(extent(b))
    for ax in fig.axes:
        assert not any(extent(legend).overlaps(extent(ax)) for legend in legends)
    plt.close(fig)


def test_quarter_labels_do_not_touch(drawn):
    _, figures = drawn
    for name, fig in figures.items():
        for ax in filter(shows_quarters, data_axes(fig)):
            boxes = [extent(t) for t in ax.get_xticklabels() if t.get_text()]
            assert len(boxes) >= 4, f"{name}: too few quarters labelled"
            for a, b in pairwise(boxes):
                assert a.x1 <= b.x0 + 1, f"{name}: neighbouring quarter labels overlap"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("JPN.deference", "Japan: deference"),
        ("USA.commitment_indo_pacific", "US: commitment to the Indo-Pacific"),
        ("EU_JPN.values", "EU–Japan: values"),
        ("EU.salience_CHN", "EU: salience (China)"),
        ("model.weight_common_threat", "weight of common threat"),
        ("hybrid_fimi.hardness", "hybrid threats / FIMI: hardness"),
        ("not_a_path", "not_a_path"),
    ],
)
def test_parameters_are_named_in_words(path: str, words: str):
    assert parameter_words(path) == words


def test_a_calibrated_factor_axis_shows_words_and_unit_not_the_key():
    from simulator.sweeps.experiment import load_experiment

    experiment = load_experiment(SCENARIOS.parent / "experiments" / "hedging_vs_deference.yaml")
    label = factor_label(experiment.factor("JPN.deference"))
    assert label == "Japan: deference (0–1 index)"


def test_characters_the_font_lacks_make_one_note_not_a_warning_per_glyph(tmp_path):
    """A Japanese name drawn with a font without Japanese glyphs: one line saying so, not dozens of warnings."""
    from matplotlib import font_manager

    from .conftest import eujsim

    scenario = tmp_path / "cjk.yaml"
    scenario.write_text(
        'name: "日本の危機"\nhorizon: 4\nreplicates: 2\nshocks:\n  - {kind: taiwan_strait_crisis, at: "2025Q2", '
        'name: "台湾海峡"}\n',
        encoding="utf-8",
    )
    status, _, err = eujsim("run", scenario, "--out", tmp_path / "run", "--quiet")
    assert status == 0, err
    assert "Glyph" not in err and "UserWarning" not in err
    font = font_manager.get_font(font_manager.findfont("DejaVu Sans"))
    if all(font.get_char_index(ord(c)) for c in "日本の危機台湾海峡"):
        assert err == ""
    else:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("eujsim: note: the plot font has no glyph for 9 character(s)")
    assert len(list((tmp_path / "run" / "plots").glob("*.png"))) >= 4


# -- colours, scales and captions a reader can publish --------------------------------------------


def test_pair_lines_differ_in_colour_and_the_western_pairs_take_the_named_hues(drawn):
    _, figures = drawn
    ax = figures["pairs.png"].axes[0]
    drawn_lines = {line.get_label(): line.get_color() for line in ax.lines if not line.get_label().startswith("_")}
    assert len(set(drawn_lines.values())) == len(drawn_lines), "two pair lines share a colour"
    assert drawn_lines["EU–Japan"] == plots.OKABE_ITO[0]
    assert drawn_lines["EU–US"] == plots.OKABE_ITO[1]
    assert drawn_lines["Japan–US"] == plots.OKABE_ITO[2]


def test_every_pair_has_a_colour_of_its_own_even_when_all_fifteen_move():
    styles = plots.pair_styles(plots.pair_order(list(PAIRS)))
    assert len({colour for colour, _, _ in styles}) == len(PAIRS)
    western = {plots.PAIR_STYLES[p][0] for p in plots.WESTERN_PAIRS}
    quiet = [colour for colour, _, _ in styles[len(plots.WESTERN_PAIRS) :]]
    assert not western & set(quiet)


def heatmap_image(fig: Figure):
    """The heatmap's image (the map sits below a strip of shock windows)."""
    (image,) = [image for ax in data_axes(fig) for image in ax.get_images()]
    return image


def titles(fig: Figure) -> str:
    return " ".join(ax.get_title() for ax in data_axes(fig))


def assert_scale_spans_the_changes(image) -> None:
    """White at zero; the scale reaches the largest change, and has a side below (above) zero only if a cell does."""
    low, high = image.get_clim()
    values = image.get_array()
    reach = max(abs(low), abs(high))
    assert abs(values).max() == pytest.approx(reach) or reach == plots.SMALLEST_INDEX_EFFECT
    assert (low < 0) == bool((values < 0).any()) and (high > 0) == bool((values > 0).any() or low == 0)
    if low < 0 < high:
        assert low == pytest.approx(-high), "both signs: centred on zero"
    assert image.cmap(image.norm(0.0)) == pytest.approx(plt.get_cmap(plots.CHANGE_CMAP)(0.5)), "no change is white"


def test_the_domain_heatmap_shows_change_against_the_twin_on_a_scale_from_zero(drawn):
    _, figures = drawn
    fig = figures["domains_heatmap.png"]
    assert_scale_spans_the_changes(heatmap_image(fig))
    assert "without the shocks" in titles(fig)


def test_the_domain_heatmap_without_a_twin_shows_change_since_the_first_quarter(drawn, tmp_path, monkeypatch):
    result, _ = drawn
    monkeypatch.setattr(plots, "save_figure", lambda fig, path, **_: None)
    fig = plots.plot_domain_heatmap(result, tmp_path / "h.png")
    image = heatmap_image(fig)
    assert_scale_spans_the_changes(image)
    assert not image.get_array()[:, 0].any(), "the first quarter is the reference: no change"
    assert f"since {result.quarter_labels[0]}" in titles(fig)
    plt.close(fig)


def test_every_run_plot_says_its_replicates_and_seed(drawn):
    result, figures = drawn
    line = f"{result.series('coop_EU_JPN').shape[1]} replicate"
    for name, fig in figures.items():
        notes = [
            t.get_text() for legend in fig.legends if legend.get_gid() == KEY_BELOW_GID for t in legend.get_texts()
        ]
        assert any(line in n and f"seed {result.scenario.seed}" in n for n in notes), f"{name}: no replicates/seed"

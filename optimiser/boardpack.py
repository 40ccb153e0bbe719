"""The board pack: one plan's map, figures and lists, as HTML and as PDF.

For partnership boards: what the plan keeps and disposes of, who moves where, the
money (revenue savings, receipts, one-off costs, NPV, payback) and who gains and who
pays, with the solver's status and the assumptions stated. The map is drawn with
matplotlib so the pack needs no web connection to open or print.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend is chosen first
import pandas as pd  # noqa: E402

from optimiser.plan import land_caveats, land_words, payback_words  # noqa: E402

_DECISION_COLOURS = {"keep as hub": "#1a7f37", "keep": "#9aa1a9", "dispose": "#cf222e"}


def plan_figure_png(plan: Any, boundary: Any = None, *, title: str = "") -> bytes:
    """A static map of the plan: holdings by decision, a line per team move, the boundary."""
    fig, ax = plt.subplots(figsize=(8, 7), dpi=120)
    if boundary is not None:
        import geopandas as gpd

        gpd.GeoSeries([boundary], crs="EPSG:27700").boundary.plot(ax=ax, color="#333", linewidth=1)
    decisions = plan.decisions
    for decision, colour in _DECISION_COLOURS.items():
        mine = decisions[decisions["decision"] == decision]
        if len(mine):
            size = 40 if decision == "keep as hub" else 14
            mine.plot(
                ax=ax,
                color=colour,
                markersize=size,
                edgecolor="#222",
                linewidth=0.3,
                label=f"{decision} ({len(mine)})",
                zorder=3,
            )
    if len(plan.moves):
        plan.moves.plot(
            ax=ax, color="#1f77b4", linewidth=1.2, alpha=0.8, zorder=2, label=f"team moves ({len(plan.moves)})"
        )
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    if title:
        ax.set_title(title, fontsize=11)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def aim_words(plan: Any) -> str:
    """What the plan was asked to achieve, in words (the objective with its number of hubs)."""
    s = plan.summary if isinstance(plan.summary, dict) else {}
    p = s.get("manifest", {}).get("scenario", {}).get("p")
    hubs = f" with {p} hubs" if p else ""
    return {
        "npv": "the highest net present value that meets every rule",
        "fewest_sites": "the fewest holdings kept that still meet every access standard (then the highest NPV)",
        "max_coverage": f"the most residents within each service's standard{hubs} (money is not weighed)",
        "least_travel": f"the least staff travel (FTE x km moved){hubs} (money is not weighed)",
    }.get(plan.objective, str(plan.objective))


def aim_figure(plan: Any) -> tuple[str, str] | None:
    """The figure the objective itself measures, where the money figures do not show it."""
    if plan.objective_value is None:
        return None
    if plan.objective == "max_coverage":
        return ("Residents within the standards (average over services)", f"{plan.objective_value:.1%}")
    if plan.objective == "least_travel":
        return ("Staff travel (FTE x km moved)", f"{plan.objective_value:,.0f}")
    return None


def headline_figures(plan: Any) -> list[tuple[str, str]]:
    """The figures a board reads first, as (label, formatted value): the objective's own first."""
    s = plan.summary
    aim = aim_figure(plan)

    def gbp(value: float) -> str:
        return f"£{value / 1e6:,.1f}m" if abs(value) >= 1e6 else f"£{value:,.0f}"

    return [
        *([aim] if aim else []),
        ("Revenue savings a year", gbp(s["revenue_savings_gbp_per_year"])),
        ("Capital receipts", gbp(s["capital_receipts_gbp"])),
        ("One-off costs", gbp(s["one_off_costs_gbp"]["total"])),
        (f"NPV over {s['horizon_years']} years at {s['discount_rate']:.1%}", gbp(s["npv_gbp"])),
        ("Payback", payback_words(s)),
        ("Carbon saved a year", f"{s['carbon_saved_tco2e_per_year']:,.0f} tCO2e"),
        *(
            [
                (
                    "Land released",
                    f"{s['land_released_ha']:,.1f} ha, about {s['homes_indicative']:,.0f} homes "
                    f"({'; '.join(['indicative', *land_caveats(s)])})",
                )
            ]
            if "land_released_ha" in s
            else []
        ),
        ("Holdings kept", f"{s['holdings_after']} of {s['holdings_before']}"),
        ("Team moves", f"{len(plan.moves)} ({s['fte_moved']:,.0f} FTE)"),
    ]


FAR_GAP = 0.05
"""A plan stopped further than this from the best possible bound is not called good."""


def gap_words(gap: float | None) -> str:
    """A relative gap in words: a percentage, "over 1,000%", or "not measured".

    A plan still worth nothing against a positive bound has a gap in the trillions of per
    cent (or none at all when it is worth exactly nothing), which says no more than that.
    """
    if gap is None:
        return "not measured"
    return f"{gap:.2%}" if gap < 10 else "over 1,000%"


def standing(plan: Any) -> str:
    """Where a plan's search left it, one word for every way of telling it.

    ``optimal``; ``proven`` (within the gap the scenario asks for); ``good`` or ``far``
    (stopped by the time limit within or beyond :data:`FAR_GAP` of the best possible);
    ``unreliable`` (stopped near its start, no useful bound); or, with no plan, its status
    (``infeasible``, ``no plan found``, ...).
    """
    if plan.status != "feasible":
        return plan.status
    if plan.gap is None or plan.gap >= 10:
        return "unreliable"
    if isinstance(plan.summary, dict) and plan.summary.get("stopped") == "gap tolerance":
        return "proven"
    return "far" if plan.gap > FAR_GAP else "good"


def status_short(plan: Any) -> str:
    """The solver's status in a few words, for a table cell beside other plans."""
    gap = gap_words(plan.gap)
    return {
        "optimal": "Optimal",
        "infeasible": "No plan meets every rule",
        "unreliable": "Not one to rely on: stopped near its start",
        "proven": f"Good: proven within {gap}",
        "far": f"Far from proven: {gap} from the best possible",
        "good": f"Good, not proven best: {gap} from the best possible",
    }.get(standing(plan), f"No plan ({plan.status})")


def status_sentence(plan: Any) -> str:
    """The solver's status in words a board member can read (pages and board packs alike)."""
    where = standing(plan)
    gap = gap_words(plan.gap)
    if where == "unreliable":
        text = (
            "A plan, but not one to rely on: the time limit stopped the search close to where it started "
            "(often today's estate), before it could say how far the plan is from the best possible"
        )
        if plan.objective == "npv" and plan.bound is not None and plan.objective_value is not None:
            worth, best = plan.objective_value, plan.bound
            text += f" (this plan is worth GBP {worth:,.0f}; the best possible at most GBP {best:,.0f})"
        return text + ". Give the solver more time."
    sentences = {
        "optimal": "Optimal: no better plan exists under these settings (within the gap asked for).",
        "proven": f"A good plan, proven within {gap} of the best possible: the search stops at the gap the "
        "scenario asks for.",
        "far": f"A plan, but far from proven: the time limit stopped the search {gap} from the best possible "
        "bound, so a much better plan may exist. Give the solver more time before relying on it.",
        "good": f"A good plan, not proven best: the time limit stopped the search {gap} from the best possible "
        "bound. Give the solver more time to close the gap.",
        "infeasible": "No plan meets every rule of this scenario. What blocks it is explained below.",
        "no plan found": "No plan found within the time limit. The scenario is not proven impossible: give the "
        "solver more time (Scenario page, solver limits) and run it again.",
    }
    return sentences.get(where, f"No plan: the solver ended with status '{plan.status}' before finding one.")


def _table_html(frame: pd.DataFrame, columns: dict[str, str], limit: int = 200) -> str:
    shown = frame[[c for c in columns if c in frame.columns]].head(limit).rename(columns=columns)
    for column in shown.columns:
        if "(£" in column:
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
        elif pd.api.types.is_float_dtype(shown[column]):  # 1.95 km, not 1.950781
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    more = (
        f"<p class='note'>First {limit} of {len(frame)} rows; the exports have them all.</p>"
        if len(frame) > limit
        else ""
    )
    return shown.to_html(index=False, escape=True, border=0, classes="table", na_rep="") + more


DISPOSAL_HEADINGS = {
    "name": "Holding",
    "partner": "Partner",
    "uprn": "UPRN",
    "tenure": "Tenure",
    "earliest_exit_date": "Earliest exit",
    "expected_receipt_gbp": "Receipt (£)",
    "running_cost_avoided_gbp_per_year": "Running cost avoided (£/yr)",
    "reason": "Reason",
}
MOVE_HEADINGS = {
    "team": "Team",
    "partner": "Partner",
    "fte": "FTE",
    "from_name": "From",
    "to_name": "To",
    "distance_km": "Distance (km)",
}
PARTNER_HEADINGS = {
    "partner": "Partner",
    "disposals": "Disposals",
    "capital_receipts_gbp": "Receipts (£)",
    "running_cost_avoided_gbp_per_year": "Running cost avoided (£/yr)",
    "gains_npv_gbp": "Gains, NPV (£)",
    "costs_npv_gbp": "Costs, NPV (£)",
    "npv_gbp": "Net, NPV (£)",
}


def _readable_moves(moves: pd.DataFrame) -> pd.DataFrame:
    """Moves with each team named by its service in words ("GP surgery team"), not by its id."""

    def words(service: object) -> str:
        text = str(service).replace("_", " ").strip() if isinstance(service, str) and service.strip() else ""
        text = text.replace("childrens", "children's")
        text = "GP" + text[2:] if text.startswith("gp") else text[:1].upper() + text[1:]
        return f"{text} team" if text else "Team"

    return moves.assign(team=moves["service"].map(words))


ACCESS_HEADINGS = ("Service", "Within", "Standard", "Before", "After", "Required of this plan", "Meets the standard")
"""Columns of the board pack's access table."""


def access_table(plan: Any) -> pd.DataFrame:
    """Access before and after in a board's words: the standard, what the plan had to keep, and whether it is met."""
    a = plan.access
    if not len(a):
        return pd.DataFrame(columns=list(ACCESS_HEADINGS))
    return pd.DataFrame(
        {
            "Service": a["label"].astype(str),
            "Within": [f"{t:g} {u}" for t, u in zip(a["threshold"], a["unit"], strict=True)],
            "Standard": a["standard_share"].map("{:.1%}".format),
            "Before": a["share_before"].map("{:.1%}".format),
            "After": a["share_after"].map("{:.1%}".format),
            "Required of this plan": a["required_share"].map("{:.1%}".format),
            "Meets the standard": ["yes" if met else "no" for met in a.get("meets_standard", [None] * len(a))],
        }
    )


def notes_and_assumptions(plan: Any) -> list[str]:
    """The plan's notes, how much of it is modelled, and where modelled figures come from."""
    summary = plan.summary if isinstance(plan.summary, dict) else {}
    modelled = summary.get("modelled", {}).get("words")
    land = (
        [
            land_words(summary) + " Jobs are not estimated: they depend on what each released site becomes.",
        ]
        if "land_released_ha" in summary
        else []
    )
    return [
        *plan.notes,
        *([modelled] if modelled else []),
        *land,
        "Running costs, market values, workstations and occupants not held in the partners' registers are modelled "
        "from benchmark assumptions per use class and marked as such in the exports.",
    ]


def board_pack_html(plan: Any, *, place_name: str, scenario_name: str, boundary: Any = None) -> str:
    """The board pack as one self-contained HTML page (the map embedded as an image)."""
    figures = "".join(
        f"<div class='fig'><div class='label'>{html.escape(k)}</div><div class='value'>{html.escape(v)}</div></div>"
        for k, v in headline_figures(plan)
    )
    image = base64.b64encode(plan_figure_png(plan, boundary)).decode("ascii")
    partners = pd.DataFrame(plan.summary.get("partners", []))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in notes_and_assumptions(plan))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(place_name)}: {html.escape(scenario_name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1f2328; }}
h1 {{ margin-bottom: 0; }} .sub {{ color: #57606a; }}
.figs {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin: 1.5rem 0; }}
.fig {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 10px; }}
.label {{ font-size: .8rem; color: #57606a; }} .value {{ font-size: 1.4rem; font-weight: 600; }}
table {{ border-collapse: collapse; width: 100%; font-size: .85rem; margin-bottom: 1.5rem; }}
th, td {{ border-bottom: 1px solid #d0d7de; padding: 4px 6px; text-align: left; }}
.note {{ color: #57606a; font-size: .8rem; }}
</style></head><body>
<h1>{html.escape(place_name)}: {html.escape(scenario_name)}</h1>
<p class="sub">Estate plan for the partnership board. Aim: {html.escape(aim_words(plan))}.
{html.escape(status_sentence(plan))}</p>
<div class="figs">{figures}</div>
<p class="note">{html.escape(basis_line(plan))}</p>
<h2>Co-location map</h2>
<img alt="Map of the plan" src="data:image/png;base64,{image}" style="max-width:100%">
<h2>Who gains and who pays</h2>
{_table_html(partners, PARTNER_HEADINGS) if len(partners) else "<p>No partner's position changes.</p>"}
<h2>Access to services, before and after</h2>
{_table_html(access_table(plan), {c: c for c in ACCESS_HEADINGS})}
<p class="note">Measured as {html.escape(str(plan.summary.get("access_measure", "straight-line distance")))}.</p>
<h2>Disposals ({len(plan.disposals)})</h2>
{_table_html(plan.disposals, DISPOSAL_HEADINGS)}
<h2>Team moves ({len(plan.moves)})</h2>
{_table_html(_readable_moves(plan.moves), MOVE_HEADINGS)}
<h2>Notes and assumptions</h2>
<ul>{notes}</ul>
</body></html>"""


def board_pack_pdf(plan: Any, *, place_name: str, scenario_name: str, boundary: Any = None) -> bytes:
    """The board pack as a PDF: figures, map, partners, access, disposals and moves."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.2 * cm,
        bottomMargin=1.2 * cm,
        title=f"{place_name}: {scenario_name}",
    )
    style = TableStyle(
        [
            ("FONTSIZE", (0, 0), (-1, -1), 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eaeef2")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    figure = styles["BodyText"].clone("figure", fontSize=10, leading=12)

    def table(frame: pd.DataFrame, headings: dict[str, str], limit: int = 60) -> list:
        shown = frame[[c for c in headings if c in frame.columns]].head(limit).rename(columns=headings)
        rows = [list(shown.columns)]
        for record in shown.itertuples(index=False):
            cells = [_cell(v, c) for v, c in zip(record, shown.columns, strict=True)]
            # long text (a disposal's reason) wraps in its cell instead of being cut
            rows.append([Paragraph(html.escape(c), small) if len(c) > 40 else c for c in cells])
        out = [Table(rows, repeatRows=1, style=style)]
        if len(frame) > limit:
            out.append(Paragraph(f"First {limit} of {len(frame)} rows; the exports have them all.", styles["Italic"]))
        return out

    figures = [[k, v] for k, v in headline_figures(plan)]
    story = [
        Paragraph(f"{html.escape(place_name)}: {html.escape(scenario_name)}", styles["Title"]),
        Paragraph(html.escape(f"Aim: {aim_words(plan)}. {status_sentence(plan)}"), styles["Normal"]),
        Spacer(1, 0.4 * cm),
        Table(
            [[Paragraph(html.escape(c), figure) for c in row] for row in _pairs(figures)],
            colWidths=[3.6 * cm, 3.05 * cm] * 4,
            style=TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]),
        ),
        Paragraph(html.escape(basis_line(plan)), small),
        Spacer(1, 0.3 * cm),
        Image(io.BytesIO(plan_figure_png(plan, boundary)), width=14 * cm, height=12 * cm, kind="proportional"),
        PageBreak(),
        Paragraph("Who gains and who pays", styles["Heading2"]),
        *table(pd.DataFrame(plan.summary.get("partners", [])), PARTNER_HEADINGS),
        Paragraph("Access to services, before and after", styles["Heading2"]),
        *table(access_table(plan), {c: c for c in ACCESS_HEADINGS}),
        Paragraph(html.escape(f"Measured as {plan.summary.get('access_measure', 'straight-line distance')}."), small),
        PageBreak(),
        Paragraph(f"Disposals ({len(plan.disposals)})", styles["Heading2"]),
        *table(plan.disposals, DISPOSAL_HEADINGS),
        Paragraph(f"Team moves ({len(plan.moves)})", styles["Heading2"]),
        *table(_readable_moves(plan.moves), MOVE_HEADINGS),
        Paragraph("Notes and assumptions", styles["Heading2"]),
        *(Paragraph("&bull; " + html.escape(note), small) for note in notes_and_assumptions(plan)),
    ]
    doc.build(story)
    return buffer.getvalue()


def _pairs(figures: list[list[str]]) -> list[list[str]]:
    """Lay label/value pairs out four to a row (label, value, label, value, ...), the last row padded."""
    rows = []
    for start in range(0, len(figures), 4):
        row = []
        for label, value in figures[start : start + 4]:
            row += [label, value]
        rows.append(row + [""] * (8 - len(row)))
    return rows


def basis_line(plan: Any) -> str:
    """What the headline figures rest on: the appraisal's start, what is modelled, when the pack was made."""
    s = plan.summary if isinstance(plan.summary, dict) else {}
    parts = []
    if s.get("start_date"):
        parts.append(f"Money from {s['start_date']} over {s.get('horizon_years', '?')} years.")
    modelled = s.get("modelled", {}).get("words")
    if modelled:
        parts.append(modelled)
    parts.append(f"Made {dt.date.today().isoformat()}.")
    return " ".join(parts)


def _cell(value: object, column: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if "(£" in column and isinstance(value, int | float):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)

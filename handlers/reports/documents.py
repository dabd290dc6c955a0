"""Files for the voortgangsrapportage: a PNG chart (matplotlib) and a PDF for the archive (fpdf2).

Charts are drawn on a bare `Figure` with the Agg canvas: no pyplot state, no display, safe in threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from fpdf import FPDF
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
CATEGORY_ORDER = ["overlast", "veiligheid", "woonomgeving", "jeugd", "zorg", "openbare-ruimte", "overig"]


@dataclass
class ChartData:
    """Per month: signalen by category, actiepunten done and actiepunten past their deadline."""

    title: str
    months: list[str]
    signalen: list[dict[str, int]]
    done: list[int]
    overdue: list[int]


def write_chart(data: ChartData, path: Path) -> Path:
    """Two panels in one PNG: signalen by category per month, actiepunten done vs te laat."""
    figure = Figure(figsize=(8.0, 7.0), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    categories = [c for c in CATEGORY_ORDER if any(m.get(c) for m in data.signalen)]
    categories += sorted({c for m in data.signalen for c in m} - set(categories))
    x = list(range(len(data.months)))
    base = [0] * len(x)
    for cat in categories:
        values = [m.get(cat, 0) for m in data.signalen]
        top.bar(x, values, bottom=base, label=cat)
        base = [b + v for b, v in zip(base, values, strict=True)]
    top.set_title("Signalen per categorie per maand")
    top.set_xticks(x, data.months)
    top.set_ylabel("aantal")
    if categories:
        top.legend(fontsize="small", ncols=min(4, len(categories)))
    width = 0.4
    bottom.bar([i - width / 2 for i in x], data.done, width, label="gedaan", color="tab:green")
    bottom.bar([i + width / 2 for i in x], data.overdue, width, label="te laat", color="tab:red")
    bottom.set_title("Actiepunten: gedaan en te laat per maand")
    bottom.set_xticks(x, data.months)
    bottom.set_ylabel("aantal")
    bottom.legend(fontsize="small")
    for ax in (top, bottom):
        ax.yaxis.get_major_locator().set_params(integer=True)
    figure.suptitle(data.title)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def write_pdf(title: str, sections: Sequence[tuple[str, Sequence[str]]], chart: Path | None, path: Path) -> Path:
    """An A4 PDF: a title, headed sections of lines, and the chart on its own page."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("wijkbot")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for heading, lines in sections:
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for line in lines:
            pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    if chart is not None:
        pdf.add_page()
        pdf.image(str(chart), x=pdf.l_margin, w=pdf.epw)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path

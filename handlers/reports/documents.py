"""Files for the voortgangsrapportage: a PNG chart (matplotlib) and a PDF for the archive (fpdf2).

Charts are drawn on a bare `Figure` with the Agg canvas: no pyplot state, no display, safe in threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class Table:
    """A table in the report: a heading, column names with widths (mm), rows; `empty` when there are none."""

    heading: str
    columns: list[str]
    widths: list[float]
    rows: list[list[str]]
    empty: str = "(geen)"


@dataclass
class Section:
    """Headed lines of text."""

    heading: str
    lines: list[str]


@dataclass
class ReportDocument:
    """A report as a regiegroep files it: a title, the facts of the header, and its parts in order."""

    title: str
    running_head: str  # on top of every page after the first
    facts: list[tuple[str, str]]  # ("Groep", ...), ("Periode", ...), ("Opgesteld door", ...), ("Datum", ...)
    parts: list[Section | Table] = field(default_factory=list)


class _ReportPdf(FPDF):
    """A4 with a running head and "pagina n van m" on every page."""

    running_head = ""

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90)
        self.cell(0, 5, self.running_head, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"pagina {self.page_no()} van {{nb}}", align="C")
        self.set_text_color(0)


def write_pdf(doc: ReportDocument, chart: Path | None, path: Path) -> Path:
    """An A4 PDF: the header block, the sections and tables (headings repeated on every page), and the chart."""
    pdf = _ReportPdf(format="A4")
    pdf.running_head = doc.running_head
    pdf.set_title(doc.title)
    pdf.set_creator("wijkbot")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 10)
    for name, value in doc.facts:
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(38, 5.5, f"{name}:")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for part in doc.parts:
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, part.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9 if isinstance(part, Table) else 10)
        if isinstance(part, Section):
            for line in part.lines:
                pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
        elif not part.rows:
            pdf.multi_cell(0, 5.5, part.empty, new_x="LMARGIN", new_y="NEXT")
        else:
            with pdf.table(col_widths=tuple(part.widths), text_align="LEFT", line_height=4.6, width=pdf.epw) as table:
                head = table.row()
                for name in part.columns:
                    head.cell(name)
                for values in part.rows:
                    row = table.row()
                    for value in values:
                        row.cell(value)
        pdf.ln(4)
    if chart is not None:
        pdf.add_page()
        pdf.image(str(chart), x=pdf.l_margin, w=pdf.epw)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path

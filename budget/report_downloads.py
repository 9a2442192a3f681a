"""A city's yearly report as a spreadsheet (openpyxl) and as a PDF (WeasyPrint).

The PDF is rendered from an HTML template with its styles inline; the fetcher
refuses every address but inline ``data:`` ones, so rendering a report never
reaches the network or the file system.
"""

import io
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

import money
from accounts.models import Organisation
from budget.models import YearlyReport
from budget.selectors import ReportFigures
from needs_registry.exports import XLSX_TYPE, _cell

PDF_TYPE = "application/pdf"

# Importing WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES for the whole
# process. The reports hold no pictures, and an upload that is cut short must
# stay unreadable (no thumbnail is drawn from it): turned back off.
ImageFile.LOAD_TRUNCATED_IMAGES = False


def _filename(organisation: Organisation, year: int, fmt: str) -> str:
    return f"{_('yearly-report')}-{organisation.slug}-{year}.{fmt}"


def _euros(cents: int | None) -> Any:
    return None if cents is None else money.euros(cents)


def report_xlsx(*, context: dict[str, Any]) -> HttpResponse:
    """The report as one sheet: the city's figures, then its benefits, then the needs."""
    organisation: Organisation = context["organisation"]
    year: int = context["year"]
    report: YearlyReport | None = context["report"]
    figures: ReportFigures = context["figures"]
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 (a new workbook always has its sheet)
    sheet.title = str(year)
    bold = Font(bold=True)
    sheet.append(
        [_cell(_("Yearly report %(year)s: %(city)s") % {"year": year, "city": organisation.name})]
    )
    sheet["A1"].font = bold
    rows: list[tuple[str, Any]] = [
        (
            pgettext("yearly report status", "Status"),
            report.get_status_display() if report else _("Not started"),
        ),
        (_("Cost share (€)"), _euros(figures.share)),
        (_("Paid (€)"), _euros(figures.paid)),
        (_("Still to pay (€)"), _euros(figures.balance)),
        (_("Fees outside the budget (€)"), _euros(figures.fees)),
        (_("Hours of manual work saved"), report.hours_saved if report else None),
        (_("Euros saved (€)"), _euros(report.euros_saved_cents) if report else None),
        (_("Benefits realised"), report.benefits if report else ""),
        (_("Notes"), report.notes if report else ""),
    ]
    for label, value in rows:
        sheet.append([_cell(label), _cell(value) if isinstance(value, str) else value])
    for title, lines in (
        (_("Share of the costs of each need (€)"), figures.need_costs),
        (_("Commitments (€)"), figures.commitments),
    ):
        sheet.append([])
        sheet.append([_cell(title)])
        sheet.cell(row=sheet.max_row, column=1).font = bold
        for line in lines:
            sheet.append([_cell(line.title), money.euros(line.cents)])
    sheet.column_dimensions["A"].width = 45
    sheet.column_dimensions["B"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(organisation, year, "xlsx")}"'
    )
    return response


class InlineOnlyFetcher(URLFetcher):
    """Serves only ``data:`` addresses written into the document itself."""

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if not url.startswith("data:"):
            raise ValueError(f"not fetched while rendering a report: {url[:100]}")
        return super().fetch(url, headers)


def report_pdf(*, context: dict[str, Any]) -> HttpResponse:
    """The report rendered from ``budget/report_pdf.html`` in the active language."""
    html = render_to_string("budget/report_pdf.html", context)
    pdf = HTML(
        string=html,
        base_url="about:blank",
        url_fetcher=InlineOnlyFetcher(allowed_protocols=["data"]),
    ).write_pdf()
    response = HttpResponse(pdf, content_type=PDF_TYPE)
    name = _filename(context["organisation"], context["year"], "pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Language"] = translation.get_language() or "fi"
    return response

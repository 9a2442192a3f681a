"""What "the layout holds" means, measured in the browser, and the pages it must hold on."""

from django.db.models import Count

WIDTHS = (390, 768, 1280)

# Run in the page: a list of problems a reader would see, empty when the layout holds.
# - overflow: the page is wider than the window, so it scrolls sideways and text is
#   cut off; the widest culprits are named (tables scroll inside their own box and
#   do not count, nor does anything inside them).
# - overlap: two of the main landmark's sections or columns drawn over each other.
#   The sections are main's visible children; where one of them lays out columns
#   (grid or flex), its children too.
LAYOUT_JS = """() => {
  const problems = [];
  const width = window.innerWidth;
  const describe = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += '#' + el.id;
    if (el.classList.length) text += '.' + [...el.classList].slice(0, 2).join('.');
    return text;
  };
  const visible = (el) => {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
    if (style.position === 'absolute' || style.position === 'fixed') return false;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  };
  if (document.documentElement.scrollWidth > width) {
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right <= width + 1 || !visible(el)) continue;
      // Inside a box that scrolls sideways by design (a wide table's wrapper).
      let scroller = el.parentElement, inside = false;
      while (scroller && scroller !== document.body) {
        const overflow = getComputedStyle(scroller).overflowX;
        if (overflow === 'auto' || overflow === 'scroll' || overflow === 'hidden') {
          inside = true; break;
        }
        scroller = scroller.parentElement;
      }
      if (inside) continue;
      culprits.push(describe(el) + ' right=' + Math.round(box.right) + ' "' +
        (el.textContent || '').trim().slice(0, 40) + '"');
    }
    problems.push({kind: 'overflow', scrollWidth: document.documentElement.scrollWidth,
                   innerWidth: width, culprits: culprits.slice(-5)});
  }
  const main = document.querySelector('main');
  if (main) {
    const sections = [];
    for (const child of main.children) {
      if (!visible(child)) continue;
      sections.push(child);
      const display = getComputedStyle(child).display;
      if (display.includes('grid') || display.includes('flex')) {
        const columns = [...child.children].filter(visible);
        if (columns.length > 1) sections.push(...columns);
      }
    }
    const siblings = (a, b) => a.parentElement === b.parentElement;
    for (let i = 0; i < sections.length; i++) {
      for (let j = i + 1; j < sections.length; j++) {
        const a = sections[i], b = sections[j];
        if (!siblings(a, b)) continue;
        const p = a.getBoundingClientRect(), q = b.getBoundingClientRect();
        const x = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const y = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        if (x > 1 && y > 1) {
          problems.push({kind: 'overlap', a: describe(a), b: describe(b),
                         by: [Math.round(x), Math.round(y)]});
        }
      }
    }
  }
  return problems;
}"""


def main_pages(member) -> list[tuple[str, str]]:
    """(name, path) of every main page ``member`` sees, on the demo data's richest examples."""
    from forum.models import Thread
    from needs_registry.models import Need, PrioritisationRound, Status
    from steering.models import Ballot, Meeting

    thread = Thread.objects.annotate(n=Count("posts__attachments")).order_by("-n", "pk").first()
    need = (
        Need.objects.exclude(status=Status.DRAFT)
        .annotate(n=Count("commitments", distinct=True) + Count("positions", distinct=True))
        .order_by("-n", "pk")
        .first()
    )
    own_need = (
        Need.objects.filter(organisation=member.organisation, status=Status.DRAFT).first() or need
    )
    meeting = Meeting.objects.annotate(n=Count("decisions")).order_by("-n", "pk").first()
    pages = [
        ("home", "/"),
        ("forum", "/forum/"),
        ("category", f"/forum/c/{thread.category.slug}/"),
        ("thread", f"/forum/t/{thread.pk}/"),
        ("thread-new", f"/forum/c/{thread.category.slug}/new/"),
        ("needs", "/needs/"),
        ("need", f"/needs/{need.pk}/"),
        ("need-new", "/needs/new/"),
        ("need-edit", f"/needs/{own_need.pk}/edit/"),
        ("need-position", f"/needs/{need.pk}/position/"),
        ("board", "/needs/board/"),
        ("rounds", "/needs/rounds/"),
        ("yearly-report", "/needs/reports/yearly/"),
        ("cities", "/jasenkaupungit/"),
        ("help", "/kehitystarpeen-jattaminen/"),
        ("budget", "/budget/"),
        ("budget-what-if", "/budget/what-if/"),
        ("steering", "/steering/"),
        ("meetings", "/steering/meetings/"),
        ("meeting", f"/steering/meetings/{meeting.pk}/"),
        ("ballots", "/steering/electronic/"),
        ("notifications", "/notifications/"),
        ("members", "/members/"),
        ("profile", "/profile/"),
        ("search", "/search/?q=kirjasto"),
        ("accessibility", "/accessibility/"),
    ]
    open_round = PrioritisationRound.objects.order_by("-closes_at").first()
    if open_round:
        pages.append(("round", f"/needs/rounds/{open_round.pk}/"))
    ballot = Ballot.objects.order_by("pk").first()
    if ballot:
        pages.append(("ballot", f"/steering/electronic/{ballot.pk}/"))
    return pages

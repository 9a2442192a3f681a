"""Query counts that differ in tests from production, and why."""

# The categories' read rules, two queries. In production they come from the cache
# (forum.category_rules); a test's categories are created in the test's own
# transaction, never committed, so every request of the test reads the rules
# from the database rather than keep a snapshot of uncommitted rules. The cached
# path is tested in tests/forum/test_category_rules.py, where tests commit.
CATEGORY_RULES = 2

"""Query counts that differ in tests from production, and why."""

# The categories' read rules, two queries. In production they come from the cache
# (forum.category_rules); a test's categories are created in the test's own
# transaction, never committed, so every request of the test reads the rules
# from the database rather than keep a snapshot of uncommitted rules. The cached
# path is tested in tests/forum/test_category_rules.py, where tests commit.
CATEGORY_RULES = 2

# The header's count of unread notifications, for a member who has some. In
# production it comes from the cache with no query at all
# (notifications.selectors.unread_count); a test's transaction never keeps a
# count, so it reads the unread notifications and asks their targets' read rule.
# Kept counts are tested in tests/notifications/test_unread_count_cache.py.
UNREAD_COUNT = 2

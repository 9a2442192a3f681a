"""Files that are read only through a permission check.

Uploads are stored under random names in folders of their own, downloaded only
through a view that has asked the owning app's read rule, and removed when
nothing refers to them any more. Any model with a file behind a read rule
(forum and need attachments, meeting minutes) uses the same three parts:
``storage.RandomName`` as its ``upload_to``, ``responses.file_download`` in its
view, and ``storage.orphan_files_remove`` through the periodic task.
"""

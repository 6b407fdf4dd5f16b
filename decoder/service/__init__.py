"""The course service: releases, submissions, grading jobs and feedback (a JupyterHub service).

- ``rules``: what a submission may be (pure);
- ``store``: the service's database (SQLAlchemy, migrated by Alembic) and the job queue;
- ``files``: durable writes of submitted files under the service's own folder;
- ``feedback``: the feedback page a learner reads (pure);
- ``gradebook``: scores written to nbgrader's gradebook, for the formgrader;
- ``worker`` and ``pool``: grading workers and their supervisor;
- ``queue_api`` and ``remote_worker``: the queue for workers on other machines, and theirs;
- ``pipeline``: what happens after a submission is acknowledged (pool, give-backs, gradebook).

Its web API and process are composed above it, with peer review and the dashboard, in
decoder/course_app/.

What it says to people comes from the platform's catalogue (decoder/messages); its contract
with the lab is decoder/protocol.py.
"""

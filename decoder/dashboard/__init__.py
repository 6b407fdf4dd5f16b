"""The instructors' dashboard, the learners' course page, the grades' export and the badges.

- ``progress``: where the class and each learner stand, learners at risk (pure);
- ``plots``: score distributions drawn server-side (matplotlib, SVG: no script, no CDN);
- ``export``: grades as CSV, nbgrader's columns and ours (pure);
- ``badges``: Open Badges 3.0 credentials, signed (Ed25519) and verified;
- ``view``: what the pages show, gathered from the course service's stores and the hub;
- ``pages`` and ``handlers``: the French pages (thin handlers).
"""

"""Peer review: learners run, review and grade each other's notebooks, beside the autograder.

- ``allocation``: who reviews what (ORA's rule), holds, flexible counts, give to get (pure);
- ``scoring``: medians per criterion, calibration against the autograder, grades (pure);
- ``anonymise``: the copy a reviewer gets (pure);
- ``sanitize``: what a learner wrote, as safe HTML (pure);
- ``store``: the tables of reviews, ratings, withdrawals and staff actions;
- ``service``: who may do what (identity from the hub), over the store and the pure parts;
- ``pages`` and ``handlers``: the French pages of the course service (thin handlers).
"""

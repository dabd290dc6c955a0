"""Reports: the weekly digest, action lists up the chain and the half-yearly voortgangsrapportage.

`figures` computes (pure functions of the database and `now`), the other modules render.
"""

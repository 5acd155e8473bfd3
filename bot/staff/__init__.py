"""The staff console: MOPAC staff sign in at /staff to read and review conversations.

Mounted on the website (bot.web) by `setup_staff(app)` in app.py; see README.md here for how
the pieces fit and how to add a page.
"""

"""The response database: who took part (pseudonymously) and what they answered.

- `models`: the tables (`respondents`, `answers`).
- `engine`: the async engine, created lazily once per process; URL helpers for sync tools.
- `queries`: async query functions. Each takes the session first and never commits:
  the caller owns the transaction, e.g.

      async with get_sessionmaker()() as session, session.begin():
          respondent = await start_respondent(session, sender_id, "rest")

- `migrations`: Alembic, run with `consult db upgrade`.

Importing this package opens no connection and creates no engine.
"""

"""The application layer: one typed function per use case, which the command line and the window both
call. Nothing here prints or imports Qt; results are typed records, failures the one exception tree
(``forms/errors.py``), progress and cancel go through a callback and an event.

    drafts.py     open, import, export a draft; create one in the store
    checking.py   validate (with the unit's register), build
    signing.py    sign one or many dossiers: certificate checked once, override audited, results to a sink
    gateway.py    connect (the one place that signs in), submit, sync, status
    otp.py        request an individual's SMS code and confirm with it
    files.py      atomic writes, shared by every use case that writes a file
"""

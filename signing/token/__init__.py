"""Token access through PyKCS11, owned by one helper process.

PyKCS11 holds the GIL through every PKCS#11 call, and vendor drivers crash or hang; so the driver is loaded
only in ``signing.token.helper``, a child process that speaks JSON lines on its stdin and stdout. The app
talks to it through ``signing.token.client.TokenHelper``, which restarts it when it dies and kills it when
a call outlives its timeout.
"""

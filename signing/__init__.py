"""Signing: PKCS#11 token access (in a helper process), XML-DSig, certificate checks and OTP.

Qt-free; it asks for PINs and choices through the ``Prompter`` interface that callers implement.
"""

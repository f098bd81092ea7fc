"""What accounts announces to the apps after it (which accounts itself never imports).

`user_email_verified` (sender: the User class; argument `user`) is sent when a user is created
with an email the identity provider verified, and when a later token brings a verified email
the user did not have. It is sent inside the transaction that stores the user or the email:
what a receiver writes is kept or undone with it, and a receiver that fails makes the sign-in
fail (and be tried again whole) rather than leave half of it done.
"""

from django.dispatch import Signal

user_email_verified = Signal()

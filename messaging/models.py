# Models arrive with this app's issue; the app is installed now so that migrations,
# admin and URLs have a home.

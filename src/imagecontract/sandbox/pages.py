"""Pages that are not JSON errors: a misbehaving gateway's HTML and a storage service's XML answers."""

from __future__ import annotations

ERROR_PAGE = (
    "<html>\n<head><title>{status} {reason}</title></head>\n<body>\n"
    "<center><h1>{status} {reason}</h1></center>\n<p>{message}</p>\n<hr><center>sandbox-gateway</center>\n"
    "</body>\n</html>\n"
)
"""The HTML a misbehaving gateway sends instead of a JSON error (`html-errors`, `html-error`)."""

BAD_GATEWAY = {"status": 502, "reason": "Bad Gateway", "message": "The upstream server returned an invalid response."}
"""What the `html-error` fault answers to every request."""

IMAGE_EXPIRED = (
    403,
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
    "<Message>Server failed to authenticate the request. Signed expiry time has passed.</Message></Error>",
)
"""The storage-style answer for a url-mode image fetched after its hour is up."""


IMAGE_NOT_FOUND = (
    404,
    '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code>'
    "<Message>The specified blob does not exist.</Message></Error>",
)

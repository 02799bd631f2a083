# Base tools used by the real-client tests: Python 3 (xmlrpc.client), curl.
need_pkgs python3 curl

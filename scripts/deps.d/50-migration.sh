# 50-migration.sh: iproute2's ip for the migration tests that put sender,
# chaos proxy and receiver in network namespaces joined by veth pairs
# (compat/relocation TestMatrixNetns).
need_pkgs iproute2

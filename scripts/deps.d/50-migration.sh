# 50-migration.sh: iproute2's ip for the migration tests that put sender,
# chaos proxy and receiver in network namespaces joined by veth pairs
# (compat/relocation TestMatrixNetns), and systemd's systemd-socket-activate
# for the socket-activation test of xendshim migrate-receive.
need_pkgs iproute2 systemd

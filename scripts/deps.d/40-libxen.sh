# 40-libxen.sh: libxlutil (xl's own config parser) for the convert package's
# oracle test, which reads every emitted xl.cfg back with xlu_cfg_readfile.
need_pkgs libxen-dev gcc

// CFuzzDriver only declares libFuzzer's driver entry; the symbol comes from libFuzzer.

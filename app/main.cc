// The `lucid` binary: everything lives in the libraries; this only dispatches.
#include "cli/commands.h"

int main(int argc, char** argv) { return lucid::cli::Main(argc, argv); }

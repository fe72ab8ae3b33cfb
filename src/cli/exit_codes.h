// Process exit codes of `lucid` (documented in README.md).
#pragma once

namespace lucid::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;    // unexpected or internal failure
inline constexpr int kExitUsage = 2;    // bad flags or an invalid configuration
inline constexpr int kExitImage = 3;    // the image or one of its layers could not be read
inline constexpr int kExitStorage = 4;  // the database could not be opened or written
inline constexpr int kExitUpdater = 5;  // one or more updaters failed (others may have succeeded)

}  // namespace lucid::cli

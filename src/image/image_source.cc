#include "image/image_source.h"

#include <sys/stat.h>

#include "base/strings.h"
#include "image/sources.h"

namespace lucid::image {

namespace {
bool IsRegularFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}
}  // namespace

Result<std::unique_ptr<ImageSource>> OpenImageSource(std::string_view reference, const SourceOptions& options) {
  if (StartsWith(reference, "oci:")) {
    std::string_view rest = reference.substr(4);
    auto colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    std::string tag = colon == std::string_view::npos ? "" : std::string(rest.substr(colon + 1));
    if (dir.empty()) return InvalidArgument("oci: needs a directory: oci:DIR[:TAG]");
    return NewOciLayoutSource(std::move(dir), std::move(tag), options);
  }
  if (StartsWith(reference, "docker-archive:")) {
    std::string rest(reference.substr(15));
    // The reference ("name:tag") contains ':' itself: the file is the longest
    // prefix that names an existing file (or the whole string).
    std::string file = rest, ref;
    if (!IsRegularFile(rest)) {
      for (size_t pos = rest.find(':'); pos != std::string::npos; pos = rest.find(':', pos + 1)) {
        if (IsRegularFile(rest.substr(0, pos))) {
          file = rest.substr(0, pos);
          ref = rest.substr(pos + 1);
          break;
        }
      }
    }
    if (file.empty()) return InvalidArgument("docker-archive: needs a file: docker-archive:FILE[:NAME:TAG]");
    return NewDockerArchiveSource(std::move(file), std::move(ref), options);
  }
  if (StartsWith(reference, "docker://")) return NewRegistrySource(reference.substr(9), options);
  return InvalidArgument("unknown image reference \"" + std::string(reference) +
                         "\" (use oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG] or docker://HOST/REPO[:TAG])");
}

}  // namespace lucid::image

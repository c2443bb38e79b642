#include "hub/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace tabpilot {

std::shared_ptr<const MappedFile> MappedFile::Open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw NotFound(path.string() + ": no such file");
    throw IoError("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InvalidInput(path.string() + ": not a regular file");
  }
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    // MAP_POPULATE: the pages are read and mapped now, at load, rather than
    // one page fault at a time during the first prompt (a third of its time
    // on GPT-2).
    void* address = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (address == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      throw IoError("cannot map " + path.string() + ": " + std::strerror(error));
    }
    file->address_ = address;
  }
  ::close(fd);
  return file;
}

MappedFile::~MappedFile() {
  if (address_ != nullptr) ::munmap(address_, size_);
}

std::string_view MappedFile::bytes() const {
  return address_ == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(address_), size_);
}

}  // namespace tabpilot

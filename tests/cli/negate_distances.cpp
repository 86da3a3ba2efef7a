// negate_distances FILE: multiplies the dataset 'distances' of an HDF5 file by -1 in place, ids untouched: the
// ground truth of an inner-product file as "smaller is closer" tools store it (-<q, x>, ascending). For the CLI
// tests, which then need no h5py.
#include <hdf5.h>

#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: negate_distances FILE\n");
    return 2;
  }
  const hid_t file = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t dataset = file < 0 ? H5I_INVALID_HID : H5Dopen2(file, "distances", H5P_DEFAULT);
  const hid_t space = dataset < 0 ? H5I_INVALID_HID : H5Dget_space(dataset);
  const hssize_t count = space < 0 ? -1 : H5Sget_simple_extent_npoints(space);
  bool ok = count >= 0;
  std::vector<double> values(ok ? static_cast<std::size_t>(count) : 0);
  ok = ok && H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
  for (double& v : values) v = -v;
  ok = ok && H5Dwrite(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
  if (space >= 0) H5Sclose(space);
  if (dataset >= 0) H5Dclose(dataset);
  ok = file >= 0 && H5Fclose(file) >= 0 && ok;
  if (!ok) {
    std::fprintf(stderr, "negate_distances: %s: cannot negate dataset 'distances'\n", argv[1]);
    return 1;
  }
  std::printf("negated %lld distances in %s\n", static_cast<long long>(count), argv[1]);
  return 0;
}

# The lecture notebooks' kernels: TensorFlow's C++ start-up log lines go to the
# terminal of the process running the build, not into the pages' outputs.
c.IPKernelApp.capture_fd_output = False  # noqa: F821

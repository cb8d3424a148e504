/* The reference: MPI's own MPI_Allreduce (float sum, in place) in a plain C loop,
 * timed exactly like bench/parallel/kiln-worker.ts. Usage: raw_allreduce FLOATS ITERS
 * Prints one JSON line from rank 0: {"floats":N,"iters":K,"seconds":per-op}. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc != 3) {
    fprintf(stderr, "usage: raw_allreduce FLOATS ITERS\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  long n = atol(argv[1]);
  int iters = atoi(argv[2]), rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  float* a = malloc(sizeof(float) * (size_t)n);
  for (long i = 0; i < n; i++) a[i] = 1.0f;
  for (int i = 0; i < 2; i++) MPI_Allreduce(MPI_IN_PLACE, a, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (int i = 0; i < iters; i++) MPI_Allreduce(MPI_IN_PLACE, a, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  double per = (MPI_Wtime() - t0) / iters;
  if (rank == 0) printf("{\"floats\":%ld,\"iters\":%d,\"seconds\":%.9f}\n", n, iters, per);
  free(a);
  MPI_Finalize();
  return 0;
}

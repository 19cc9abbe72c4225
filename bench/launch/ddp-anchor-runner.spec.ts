import { referenceBlasProblem } from './ddp-anchor-runner';

describe('referenceBlasProblem', () => {
  it("refuses torch on Debian's reference BLAS, naming the package that fixes it", () => {
    expect(referenceBlasProblem(['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3', '/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3'])).toContain(
      'apt-get install -y libopenblas0-openmp',
    );
  });

  it('accepts OpenBLAS behind the same alternative, and a torch with its BLAS linked in (nothing mapped)', () => {
    expect(
      referenceBlasProblem([
        '/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3',
        '/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblasp-r0.3.21.so',
      ]),
    ).toBeUndefined();
    expect(referenceBlasProblem([])).toBeUndefined();
  });
});

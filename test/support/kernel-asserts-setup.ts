// The assertion pass (vitest.kernel-asserts.config.mts) tests nothing unless the kernels it
// loads are the assertion build: refuse to run otherwise.
import { KERNEL_BUILD } from '../../shared/ml/wasm/kernel-build';
import { KERNELS_WASM_PATH } from '../../shared/ml/wasm/kernels';

if (!KERNEL_BUILD.asserts || !KERNELS_WASM_PATH.includes('wasm-assert')) {
  throw new Error(`the kernel assertion pass loads ${KERNELS_WASM_PATH}, not the assertion build; set ASSAY_KERNEL_ASSERTS=1`);
}

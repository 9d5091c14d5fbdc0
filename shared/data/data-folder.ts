// Where the shared development data lives (../shared/data beside the checkout, see DESIGN §6):
// one of the folders a spec may read from without declaring it.
import path from 'node:path';

export const sharedDataFolder = path.resolve(__dirname, '..', '..', '..', 'shared', 'data');

// The floor: a dynamic provider that does nothing, loaded through a module reference like ours.
let n = 0;
exports.provider = {
  async create(news) {
    return { id: `floor-${process.pid}-${n++}`, outs: { tag: news.tag } };
  },
  async diff(_id, olds, news) {
    return { changes: olds.tag !== news.tag };
  },
  async read(id, props) {
    return { id, props };
  },
  async update(_id, _olds, news) {
    return { outs: { tag: news.tag } };
  },
  async delete() {},
};
